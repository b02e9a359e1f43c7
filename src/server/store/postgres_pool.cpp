#include "server/store/postgres_pool.hpp"

#include <optional>

namespace parley::server {

PgLease::~PgLease() {
    // A moved-from lease has no pool. A broken connection, or one left inside a transaction (its
    // ROLLBACK failed), is closed here rather than handed to the next caller.
    if (pool_ != nullptr && !connection_.broken() && connection_.idle()) {
        pool_->giveBack(std::move(connection_));
    }
}

PostgresPool::PostgresPool(Parameters parameters, std::size_t max_idle)
    : parameters_(std::move(parameters)), max_idle_(max_idle) {}

std::expected<PgLease, std::string> PostgresPool::lease() {
    while (true) {
        std::optional<PgConnection> candidate;
        {
            const std::scoped_lock lock{mutex_};
            if (idle_.empty()) {
                break;
            }
            candidate.emplace(std::move(idle_.back()));
            idle_.pop_back();
        }
        if (candidate->alive()) {
            return PgLease{*this, std::move(*candidate)};
        }
        // Dropped: it went stale while idle. The others may have too; check them in turn.
    }
    auto opened = PgConnection::open(parameters_);
    if (!opened) {
        return std::unexpected(opened.error());
    }
    return PgLease{*this, std::move(*opened)};
}

void PostgresPool::giveBack(PgConnection connection) {
    const std::scoped_lock lock{mutex_};
    if (idle_.size() < max_idle_) {
        idle_.push_back(std::move(connection));
    }
}

} // namespace parley::server
