#pragma once

// What the two halves of PostgresStore share (postgres_store.cpp: setup, members, messages;
// postgres_store_channels.cpp: channels), and PostgresRevocationStore with them: connection
// setup and row conversions. Private to the PostgreSQL stores.

#include "server/store/postgres_connection.hpp"
#include "server/store/postgres_store.hpp"
#include "server/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::server {

inline std::int64_t toStoredMillis(UnixMillis time) {
    return time.time_since_epoch().count();
}
inline UnixMillis fromStoredMillis(std::int64_t millis) {
    return UnixMillis{std::chrono::milliseconds{millis}};
}

/// The libpq parameters every connection of a PostgreSQL store opens with: `url` (checked by
/// checkPostgresUrl) and the timeouts of `options`.
PostgresPool::Parameters postgresConnectionParameters(std::string_view url,
                                                      const PostgresOptions& options);

/// Connects once through `pool`, checks that the database is UTF-8 and creates or upgrades the
/// schema; the error names the cause.
std::expected<void, std::string> preparePostgresDatabase(PostgresPool& pool);

/// Row `row` of sid, unique_name, friendly_name, type, attributes, created_by, date_created;
/// nullopt for a type the CHECK constraint should have kept out.
std::optional<Channel> readPgChannel(const PgResult& result, int row);

} // namespace parley::server
