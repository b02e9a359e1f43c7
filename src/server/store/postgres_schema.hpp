#pragma once

// The tables behind PostgresStore and PostgresRevocationStore, and the migrations that create and
// upgrade them. The version lives in the table parley_schema (one row); every change to the schema
// is a new migration step.

#include "server/store/postgres_connection.hpp"

#include <cstdint>
#include <expected>
#include <string>

namespace parley::server {

/// The schema version this build creates and reads.
inline constexpr std::int64_t kPostgresSchemaVersion = 2;

/// Brings the database to kPostgresSchemaVersion in one transaction: creates the schema in an
/// empty database, applies the missing steps to an older one, leaves a current one alone. Nodes
/// starting together take turns (an advisory lock), so only one of them migrates. Fails, changing
/// nothing, on a version newer than this build knows or on any PostgreSQL error.
std::expected<void, std::string> migratePostgresSchema(PgConnection& connection);

/// The schema version recorded in the database, 0 when it has none yet.
std::expected<std::int64_t, std::string> postgresSchemaVersion(PgConnection& connection);

} // namespace parley::server
