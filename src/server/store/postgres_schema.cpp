#include "server/store/postgres_schema.hpp"

#include <array>
#include <cstddef>

namespace parley::server {

namespace {

// Each entry upgrades the schema by one version and parley_schema.version counts the entries
// applied: a later version appends an entry and never edits one.
//
// As in the SQLite schema, members and messages refer to their channel by its bigint row key,
// and channels.next_index is taken in the same transaction as the message insert (the UPDATE
// locks the channel's row until that transaction commits), so concurrent senders on any number
// of nodes get consecutive indexes, none repeated or skipped. Bodies are bytea: a message body
// may hold a NUL byte, which PostgreSQL text cannot. An empty unique_name is stored as NULL, so
// any number of channels may go without one.
constexpr std::array<const char*, 2> kMigrations = {
    R"sql(
CREATE TABLE channels (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sid text NOT NULL UNIQUE,
    unique_name text UNIQUE,
    friendly_name text NOT NULL,
    type text NOT NULL CHECK (type IN ('public', 'private')),
    attributes text NOT NULL,
    created_by text NOT NULL,
    date_created bigint NOT NULL,
    next_index bigint NOT NULL DEFAULT 0
);
CREATE INDEX channels_by_creator ON channels (created_by);
CREATE TABLE members (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel bigint NOT NULL REFERENCES channels (seq),
    identity text NOT NULL,
    joined_at bigint NOT NULL,
    UNIQUE (channel, identity)
);
CREATE INDEX members_by_identity ON members (identity);
CREATE TABLE messages (
    channel bigint NOT NULL REFERENCES channels (seq),
    idx bigint NOT NULL,
    sid text NOT NULL UNIQUE,
    author text NOT NULL,
    body bytea NOT NULL,
    attributes text NOT NULL,
    date_created bigint NOT NULL,
    PRIMARY KEY (channel, idx)
);
)sql",
    // Version 2: the revocations in force, shared by every node (PostgresRevocationStore). One
    // row per name, widened when the name is revoked again (the later times win); the index
    // serves the prune of lapsed rows that every reload runs.
    R"sql(
CREATE TABLE revocations (
    kind text NOT NULL CHECK (kind IN ('identity', 'jti', 'api_key')),
    value text NOT NULL,
    revoked_at bigint NOT NULL,
    lapses_at bigint NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX revocations_by_lapse ON revocations (lapses_at);
)sql",
};
static_assert(kMigrations.size() == kPostgresSchemaVersion);

// Any constant will do as long as nothing else in the database takes the same advisory lock.
constexpr std::int64_t kMigrationLock = 0x70617273'6c657931; // "parsley1"

} // namespace

std::expected<std::int64_t, std::string> postgresSchemaVersion(PgConnection& connection) {
    auto table = connection.exec("SELECT (to_regclass('parley_schema') IS NOT NULL)::int::int8");
    if (!table) {
        return std::unexpected(table.error());
    }
    if (table->integer(0, 0) == 0) {
        return 0;
    }
    auto version = connection.exec("SELECT version FROM parley_schema");
    if (!version) {
        return std::unexpected(version.error());
    }
    return version->rows() == 0 ? 0 : version->integer(0, 0);
}

std::expected<void, std::string> migratePostgresSchema(PgConnection& connection) {
    PgTransaction transaction{connection};
    if (auto begun = transaction.begin(); !begun) {
        return begun;
    }
    if (auto locked = connection.run("SELECT pg_advisory_xact_lock($1)", kMigrationLock); !locked) {
        return std::unexpected(locked.error());
    }
    const auto version = postgresSchemaVersion(connection);
    if (!version) {
        return std::unexpected(version.error());
    }
    if (*version < 0 || *version > kPostgresSchemaVersion) {
        return std::unexpected("schema version " + std::to_string(*version) +
                               " is not one this build knows (up to " +
                               std::to_string(kPostgresSchemaVersion) + ")");
    }
    if (*version == kPostgresSchemaVersion) {
        return {};
    }
    if (*version == 0) {
        if (auto created = connection.script("CREATE TABLE parley_schema (version bigint NOT NULL);"
                                             "INSERT INTO parley_schema VALUES (0)");
            !created) {
            return std::unexpected(created.error());
        }
    }
    for (auto step = static_cast<std::size_t>(*version); step < kMigrations.size(); ++step) {
        if (auto migrated = connection.script(kMigrations.at(step)); !migrated) {
            return std::unexpected(migrated.error());
        }
    }
    if (auto set = connection.run("UPDATE parley_schema SET version = $1", kPostgresSchemaVersion);
        !set) {
        return std::unexpected(set.error());
    }
    return transaction.commit();
}

} // namespace parley::server
