#include "server/backends.hpp"

#include "server/broker/memory_broker.hpp"
#include "server/broker/redis_broker.hpp"
#include "server/store/postgres_revocation_store.hpp"
#include "server/store/postgres_store.hpp"
#include "server/store/sqlite_revocation_store.hpp"
#include "server/store/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace parley::server {

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kRedisPrefix = "redis://";
constexpr std::string_view kBrokerForms = "(expected memory or redis://HOST:PORT)";

bool isPostgresUrl(std::string_view spec) {
    return spec.starts_with("postgresql:") || spec.starts_with("postgres:");
}

std::expected<std::unique_ptr<Store>, std::string> openPostgresStore(std::string_view url) {
    auto store = PostgresStore::open(url, PostgresOptions{.on_error = [](std::string_view message) {
                                         spdlog::error("store: {}", message);
                                     }});
    if (!store) {
        return std::unexpected("--store: " + store.error());
    }
    return std::unique_ptr<Store>{std::move(*store)};
}

// Logs a store's failures, at most one every 10 s: the revocation store is read on a timer, and
// an outage of PostgreSQL would otherwise log every tick on every node.
std::function<void(std::string_view)> throttledErrorLog() {
    struct State {
        std::mutex mutex;
        std::chrono::steady_clock::time_point next{};
        unsigned dropped = 0;
    };
    return [state = std::make_shared<State>()](std::string_view message) {
        const auto now = std::chrono::steady_clock::now();
        const std::scoped_lock lock{state->mutex};
        if (now < state->next) {
            ++state->dropped;
            return;
        }
        if (state->dropped > 0) {
            spdlog::error("store: {} ({} more failures since the last one logged)", message,
                          state->dropped);
        } else {
            spdlog::error("store: {}", message);
        }
        state->dropped = 0;
        state->next = now + std::chrono::seconds{10};
    };
}

} // namespace

std::expected<std::unique_ptr<RevocationStore>, std::string>
openRevocationStore(std::string_view spec, const std::filesystem::path& data_dir) {
    if (!isPostgresUrl(spec)) {
        auto store = SqliteRevocationStore::openIn(data_dir);
        if (!store) {
            return std::unexpected(store.error());
        }
        return std::unique_ptr<RevocationStore>{std::move(*store)};
    }
    // A small pool: a store worker's reload or a revocation at a time, rarely both.
    auto store = PostgresRevocationStore::open(
        spec, PostgresOptions{.max_idle_connections = 2, .on_error = throttledErrorLog()});
    if (!store) {
        return std::unexpected("--store (revocations): " + store.error());
    }
    return std::unique_ptr<RevocationStore>{std::move(*store)};
}

std::expected<std::unique_ptr<Store>, std::string>
openStore(std::string_view spec, const std::filesystem::path& data_dir) {
    if (isPostgresUrl(spec)) {
        return openPostgresStore(spec);
    }
    std::filesystem::path directory = data_dir;
    if (spec.starts_with(kSqlitePrefix) && spec.size() > kSqlitePrefix.size()) {
        directory = spec.substr(kSqlitePrefix.size());
    } else if (!spec.empty()) {
        return std::unexpected("unknown store \"" + std::string{spec} +
                               "\" (expected sqlite:DIR or postgresql://USER@HOST:PORT/DB)");
    }
    std::error_code fs_error;
    std::filesystem::create_directories(directory, fs_error);
    if (fs_error) {
        return std::unexpected("cannot create data directory " + directory.string() + ": " +
                               fs_error.message());
    }
    auto store = SqliteStore::open(directory / "parley.db",
                                   SqliteOptions{.on_error = [](std::string_view message) {
                                       spdlog::error("store: {}", message);
                                   }});
    if (!store) {
        return std::unexpected(store.error());
    }
    return std::unique_ptr<Store>{std::move(*store)};
}

std::expected<RedisAddress, std::string> parseRedisAddress(std::string_view spec) {
    const auto bad = [spec](std::string_view why) {
        return std::unexpected("bad broker \"" + std::string{spec} + "\": " + std::string{why} +
                               " " + std::string{kBrokerForms});
    };
    if (!spec.starts_with(kRedisPrefix)) {
        return bad("not a redis:// URL");
    }
    std::string_view rest = spec.substr(kRedisPrefix.size());
    if (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    if (rest.find_first_of("/@?#") != std::string_view::npos) {
        return bad("only HOST:PORT is supported (no user, password, path or database)");
    }
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return bad("give a host and a port");
    }
    const std::string_view host = rest.substr(0, colon);
    const std::string_view port_text = rest.substr(colon + 1);
    int port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
        return bad("the port must be a number from 1 to 65535");
    }
    return RedisAddress{.host = std::string{host}, .port = port};
}

std::expected<std::unique_ptr<Broker>, std::string> openBroker(std::string_view spec,
                                                               std::string_view node_id) {
    if (spec.empty() || spec == "memory") {
        return std::make_unique<MemoryBroker>();
    }
    if (!spec.starts_with(kRedisPrefix)) {
        return std::unexpected("unknown broker \"" + std::string{spec} + "\" " +
                               std::string{kBrokerForms});
    }
    const auto address = parseRedisAddress(spec);
    if (!address) {
        return std::unexpected(address.error());
    }
    // Not reachable yet is not an error: the broker keeps trying, and /healthz says so.
    return std::make_unique<RedisBroker>(RedisOptions{
        .host = address->host,
        .port = address->port,
        .node_id = std::string{node_id},
        .log = [](std::string_view message) { spdlog::warn("{}", message); },
    });
}

} // namespace parley::server
