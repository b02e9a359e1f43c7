#include "server/store/sqlite_schema.hpp"

#include <array>
#include <cstddef>

namespace parley::server {

namespace {

// Each entry upgrades the schema by one version and user_version counts the entries applied: a
// later version appends an entry and never edits one.
//
// Members and messages refer to their channel by its integer row key, not its 34-character SID,
// which keeps message rows and their (channel, idx) key small. The explicit INTEGER PRIMARY KEYs
// keep row keys stable across VACUUM, which is what "oldest first" (channels.seq) and "joining
// order" (members.seq) rest on. An empty unique_name is stored as NULL, so any number of channels
// may go without one. channels.next_index is taken in the same transaction as the message insert
// and never goes back, so an index is never reused, even if old messages are pruned one day.
constexpr std::array<const char*, 2> kMigrations = {
    R"sql(
CREATE TABLE channels (
    seq INTEGER PRIMARY KEY,
    sid TEXT NOT NULL UNIQUE,
    unique_name TEXT UNIQUE,
    friendly_name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('public', 'private')),
    attributes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    next_index INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE members (
    seq INTEGER PRIMARY KEY,
    channel INTEGER NOT NULL REFERENCES channels (seq),
    identity TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    UNIQUE (channel, identity)
);
CREATE INDEX members_by_identity ON members (identity);
CREATE TABLE messages (
    channel INTEGER NOT NULL REFERENCES channels (seq),
    idx INTEGER NOT NULL,
    sid TEXT NOT NULL UNIQUE,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    attributes TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    PRIMARY KEY (channel, idx)
);
)sql",
    // 2: createChannel counts the channels of a creator for its quota.
    R"sql(
CREATE INDEX channels_by_creator ON channels (created_by);
)sql",
};
static_assert(kMigrations.size() == kSqliteSchemaVersion);

} // namespace

std::expected<void, std::string> migrateSqliteSchema(SqliteConnection& connection) {
    // The version is read inside a write transaction, so two processes opening the same new file
    // do not both run the first migration.
    SqliteTransaction transaction{connection};
    if (!transaction.begin()) {
        return std::unexpected(connection.errorMessage());
    }
    const auto version = connection.queryInt("PRAGMA user_version");
    if (!version) {
        return std::unexpected(version.error());
    }
    if (*version < 0 || *version > kSqliteSchemaVersion) {
        return std::unexpected("schema version " + std::to_string(*version) +
                               " is not one this build knows (up to " +
                               std::to_string(kSqliteSchemaVersion) + ")");
    }
    if (*version == kSqliteSchemaVersion) {
        return {};
    }
    for (auto step = static_cast<std::size_t>(*version); step < kMigrations.size(); ++step) {
        if (auto migrated = connection.execute(kMigrations.at(step)); !migrated) {
            return migrated;
        }
    }
    const std::string set_version = "PRAGMA user_version = " + std::to_string(kSqliteSchemaVersion);
    if (auto set = connection.execute(set_version.c_str()); !set) {
        return set;
    }
    if (!transaction.commit()) {
        return std::unexpected(connection.errorMessage());
    }
    return {};
}

} // namespace parley::server
