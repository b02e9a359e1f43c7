#include "server/store/postgres_revocation_store.hpp"

#include "server/store/postgres_store_internal.hpp"
#include "server/store/revocation_rows.hpp"

#include <utility>

namespace parley::server {

namespace {

constexpr std::string_view kUpsert =
    "INSERT INTO revocations (kind, value, revoked_at, lapses_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (kind, value) DO UPDATE SET "
    "revoked_at = GREATEST(revocations.revoked_at, EXCLUDED.revoked_at), "
    "lapses_at = GREATEST(revocations.lapses_at, EXCLUDED.lapses_at)";
constexpr std::string_view kPrune = "DELETE FROM revocations WHERE lapses_at <= $1";
// "C": the same order on every node and as SQLite's, whatever the database's collation.
constexpr std::string_view kSelect = "SELECT kind, value, revoked_at, lapses_at FROM revocations "
                                     "ORDER BY revoked_at, kind COLLATE \"C\", value COLLATE \"C\"";

} // namespace

std::expected<std::unique_ptr<PostgresRevocationStore>, std::string>
PostgresRevocationStore::open(std::string_view url, PostgresOptions options) {
    if (auto checked = checkPostgresUrl(url); !checked) {
        return std::unexpected(checked.error());
    }
    auto parameters = postgresConnectionParameters(url, options);
    std::unique_ptr<PostgresRevocationStore> store{
        new PostgresRevocationStore{std::move(parameters), std::move(options)}};
    if (auto prepared = preparePostgresDatabase(store->pool_); !prepared) {
        return std::unexpected(prepared.error());
    }
    return store;
}

PostgresRevocationStore::PostgresRevocationStore(PostgresPool::Parameters parameters,
                                                 PostgresOptions options)
    : options_(std::move(options)), pool_(std::move(parameters), options_.max_idle_connections) {}

std::unexpected<StoreError> PostgresRevocationStore::fail(const std::string& cause) {
    if (options_.on_error) {
        options_.on_error("postgres revocation store: " + cause);
    }
    return std::unexpected(StoreError::kFailed);
}

StoreResult<void> PostgresRevocationStore::save(const Revocation& revocation) {
    auto connection = pool_.lease();
    if (!connection) {
        return fail(connection.error());
    }
    const auto saved =
        (*connection)
            ->run(kUpsert, protocol::revocationField(revocation.kind),
                  std::string_view{revocation.value}, storedSeconds(revocation.revoked_at),
                  storedSeconds(revocation.lapses_at));
    if (!saved) {
        return fail(saved.error());
    }
    return {};
}

StoreResult<std::vector<Revocation>> PostgresRevocationStore::inForce(token::UnixSeconds now) {
    auto connection = pool_.lease();
    if (!connection) {
        return fail(connection.error());
    }
    if (auto pruned = (*connection)->run(kPrune, storedSeconds(now)); !pruned) {
        return fail(pruned.error());
    }
    const auto rows = (*connection)->exec(kSelect);
    if (!rows) {
        return fail(rows.error());
    }
    std::vector<Revocation> result;
    result.reserve(static_cast<std::size_t>(rows->rows()));
    for (int row = 0; row < rows->rows(); ++row) {
        const auto kind = revocationKindNamed(rows->text(row, 0));
        if (!kind) {
            continue; // the table's CHECK keeps other kinds out; a newer build's would be skipped
        }
        result.push_back(Revocation{.kind = *kind,
                                    .value = rows->text(row, 1),
                                    .revoked_at = fromStoredSeconds(rows->integer(row, 2)),
                                    .lapses_at = fromStoredSeconds(rows->integer(row, 3))});
    }
    return result;
}

} // namespace parley::server
