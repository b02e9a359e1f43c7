#pragma once

// The RevocationStore every node shares: the `revocations` table of the PostgreSQL database that
// holds the chat store (`--store postgresql://...`; the table comes with schema version 2, see
// postgres_schema.cpp). What one node revokes is here for every other node to read, so a node
// that missed the broker's event (Redis down, a subscription not up yet, a node started later
// with an empty data directory) learns it on its next read (Revocations reloads on a timer and
// after a broker gap).
//
// Threading and outages as PostgresStore: each call leases a connection of its own pool (a small
// one: revocations are few and a node reads them on a timer), a call while PostgreSQL is
// unreachable fails with kFailed within connect_timeout, and the next one after it is back
// succeeds.

#include "server/store/postgres_pool.hpp"
#include "server/store/postgres_store.hpp"
#include "server/store/revocation_store.hpp"

#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace parley::server {

class PostgresRevocationStore final : public RevocationStore {
public:
    /// Connects to the database `url` names (checkPostgresUrl) and creates or upgrades the schema,
    /// as PostgresStore::open does. Never throws: any failure is a message naming the cause.
    static std::expected<std::unique_ptr<PostgresRevocationStore>, std::string>
    open(std::string_view url, PostgresOptions options = {});

    /// Merged in the database, in one statement, so two nodes revoking the same name at once
    /// both widen one row (the later times win).
    StoreResult<void> save(const Revocation& revocation) override;
    StoreResult<std::vector<Revocation>> inForce(token::UnixSeconds now) override;
    bool sharedByNodes() const override { return true; }

private:
    PostgresRevocationStore(PostgresPool::Parameters parameters, PostgresOptions options);

    /// Reports `cause` through on_error and returns kFailed.
    std::unexpected<StoreError> fail(const std::string& cause);

    PostgresOptions options_;
    PostgresPool pool_;
};

} // namespace parley::server
