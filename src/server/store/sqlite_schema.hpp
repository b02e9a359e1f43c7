#pragma once

// The tables behind SqliteStore and the migrations that create and upgrade them. The version
// lives in the file's PRAGMA user_version; every change to the schema is a new migration step.

#include "server/store/sqlite_connection.hpp"

#include <cstdint>
#include <expected>
#include <string>

namespace parley::server {

/// The schema version this build creates and reads.
inline constexpr std::int64_t kSqliteSchemaVersion = 2;

/// Brings the database to kSqliteSchemaVersion in one write transaction: creates the schema in a
/// new file, applies the missing steps to an older one, leaves a current one alone. Fails,
/// changing nothing, on a version newer than this build knows or on any SQLite error.
std::expected<void, std::string> migrateSqliteSchema(SqliteConnection& connection);

} // namespace parley::server
