#pragma once

// The connections of one PostgresStore. The store is called from several store worker threads at
// once; each call leases a connection of its own, so calls run in parallel on the server instead
// of queueing behind one connection. Connections are opened on demand (at most one per thread
// that calls at the same moment, so as many as there are store workers) and kept idle between
// calls.
//
// A lost connection is dropped, not repaired: the next lease opens a new one. A lease first
// checks an idle connection without waiting (a restarted server has closed it), so the first call
// after PostgreSQL comes back succeeds instead of failing on a stale socket. While PostgreSQL is
// down a lease fails within connect_timeout (at once when the port refuses).

#include "server/store/postgres_connection.hpp"

#include <cstddef>
#include <expected>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

class PostgresPool;

/// A connection on loan; returned to the pool when destroyed, unless it broke.
class PgLease {
public:
    PgLease(PostgresPool& pool, PgConnection connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    ~PgLease();
    PgLease(PgLease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    PgLease& operator=(PgLease&&) = delete;
    PgLease(const PgLease&) = delete;
    PgLease& operator=(const PgLease&) = delete;

    PgConnection& operator*() { return connection_; }
    PgConnection* operator->() { return &connection_; }

private:
    PostgresPool* pool_;
    PgConnection connection_;
};

class PostgresPool {
public:
    using Parameters = std::vector<std::pair<std::string, std::string>>;

    /// Connections open with `parameters` (PgConnection::open); at most `max_idle` stay open
    /// between calls.
    PostgresPool(Parameters parameters, std::size_t max_idle);

    /// An idle live connection, or a new one; the error is libpq's message.
    std::expected<PgLease, std::string> lease();

private:
    friend class PgLease;
    void giveBack(PgConnection connection);

    const Parameters parameters_;
    const std::size_t max_idle_;
    std::mutex mutex_;
    std::vector<PgConnection> idle_;
};

} // namespace parley::server
