#pragma once

// The RevocationStore in SQLite: its own file (revocations.db in the data directory) and table,
// apart from the chat store, which may live elsewhere (PostgreSQL). Thread-safe: one connection
// behind a mutex, as revocations are few and rarely written.

#include "server/store/revocation_store.hpp"
#include "server/store/sqlite_connection.hpp"

#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace parley::server {

class SqliteRevocationStore final : public RevocationStore {
public:
    /// Opens revocations.db in `data_dir`, creating the directory if needed.
    static std::expected<std::unique_ptr<SqliteRevocationStore>, std::string>
    openIn(const std::filesystem::path& data_dir);
    /// Opens (creating if missing) `file` and its table; the error names the file and the reason.
    static std::expected<std::unique_ptr<SqliteRevocationStore>, std::string>
    open(const std::filesystem::path& file);

    StoreResult<void> save(const Revocation& revocation) override;
    StoreResult<std::vector<Revocation>> inForce(token::UnixSeconds now) override;

private:
    SqliteRevocationStore(SqliteConnection connection, SqliteStatement upsert,
                          SqliteStatement prune, SqliteStatement select);

    std::mutex mutex_;
    SqliteConnection connection_;
    SqliteStatement upsert_;
    SqliteStatement prune_;
    SqliteStatement select_;
};

} // namespace parley::server
