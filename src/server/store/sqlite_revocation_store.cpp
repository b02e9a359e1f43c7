#include "server/store/sqlite_revocation_store.hpp"

#include "server/store/revocation_rows.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

namespace parley::server {

namespace {

// One row per name: revoking the same name again widens the row (the later times win), so the
// table holds at most what is in force plus what lapsed since the last prune.
constexpr const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS revocations (
    kind TEXT NOT NULL CHECK (kind IN ('identity', 'jti', 'api_key')),
    value TEXT NOT NULL,
    revoked_at INTEGER NOT NULL,
    lapses_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);
)sql";

constexpr std::string_view kUpsert =
    "INSERT INTO revocations (kind, value, revoked_at, lapses_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (kind, value) DO UPDATE SET "
    "revoked_at = max(revoked_at, excluded.revoked_at), "
    "lapses_at = max(lapses_at, excluded.lapses_at)";
constexpr std::string_view kPrune = "DELETE FROM revocations WHERE lapses_at <= ?";
constexpr std::string_view kSelect =
    "SELECT kind, value, revoked_at, lapses_at FROM revocations ORDER BY revoked_at, kind, value";

} // namespace

std::expected<std::unique_ptr<SqliteRevocationStore>, std::string>
SqliteRevocationStore::openIn(const std::filesystem::path& data_dir) {
    std::error_code fs_error;
    std::filesystem::create_directories(data_dir, fs_error);
    if (fs_error) {
        return std::unexpected("cannot create data directory " + data_dir.string() + ": " +
                               fs_error.message());
    }
    return open(data_dir / "revocations.db");
}

std::expected<std::unique_ptr<SqliteRevocationStore>, std::string>
SqliteRevocationStore::open(const std::filesystem::path& file) {
    auto connection = SqliteConnection::open(file);
    if (!connection) {
        return std::unexpected(connection.error());
    }
    connection->setBusyTimeout(std::chrono::milliseconds{5000});
    if (auto created = connection->execute(kSchema); !created) {
        return std::unexpected(file.string() + ": " + created.error());
    }
    std::array<SqliteStatement, 3> statements;
    const std::array<std::string_view, 3> texts = {kUpsert, kPrune, kSelect};
    for (std::size_t i = 0; i < texts.size(); ++i) {
        auto prepared = connection->prepare(texts.at(i));
        if (!prepared) {
            return std::unexpected(file.string() + ": " + prepared.error());
        }
        statements.at(i) = std::move(*prepared);
    }
    return std::unique_ptr<SqliteRevocationStore>{
        new SqliteRevocationStore{std::move(*connection), std::move(statements[0]),
                                  std::move(statements[1]), std::move(statements[2])}};
}

SqliteRevocationStore::SqliteRevocationStore(SqliteConnection connection, SqliteStatement upsert,
                                             SqliteStatement prune, SqliteStatement select)
    : connection_(std::move(connection)), upsert_(std::move(upsert)), prune_(std::move(prune)),
      select_(std::move(select)) {}

StoreResult<void> SqliteRevocationStore::save(const Revocation& revocation) {
    const std::lock_guard lock{mutex_};
    const StatementLease upsert{upsert_};
    if (!upsert->bind(protocol::revocationField(revocation.kind),
                      std::string_view{revocation.value}, storedSeconds(revocation.revoked_at),
                      storedSeconds(revocation.lapses_at)) ||
        upsert->step() != StepResult::kDone) {
        spdlog::error("revocation store: {}", connection_.errorMessage());
        return std::unexpected(StoreError::kFailed);
    }
    return {};
}

StoreResult<std::vector<Revocation>> SqliteRevocationStore::inForce(token::UnixSeconds now) {
    const std::lock_guard lock{mutex_};
    {
        const StatementLease prune{prune_};
        if (!prune->bind(storedSeconds(now)) || prune->step() != StepResult::kDone) {
            spdlog::error("revocation store: {}", connection_.errorMessage());
            return std::unexpected(StoreError::kFailed);
        }
    }
    std::vector<Revocation> result;
    const StatementLease select{select_};
    StepResult step = StepResult::kRow;
    while ((step = select->step()) == StepResult::kRow) {
        const auto kind = revocationKindNamed(select->columnText(0));
        if (!kind) {
            continue; // the table's CHECK keeps other kinds out; a newer build's would be skipped
        }
        result.push_back(Revocation{.kind = *kind,
                                    .value = select->columnText(1),
                                    .revoked_at = fromStoredSeconds(select->columnInt64(2)),
                                    .lapses_at = fromStoredSeconds(select->columnInt64(3))});
    }
    if (step == StepResult::kError) {
        spdlog::error("revocation store: {}", connection_.errorMessage());
        return std::unexpected(StoreError::kFailed);
    }
    return result;
}

} // namespace parley::server
