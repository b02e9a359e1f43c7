#include "server/backends.hpp"

#include "server/broker/memory_broker.hpp"
#include "server/store/postgres_store.hpp"
#include "server/store/sqlite_store.hpp"

#include <spdlog/spdlog.h>

namespace parley::server {

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

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

} // namespace

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

std::expected<std::unique_ptr<Broker>, std::string> openBroker(std::string_view spec) {
    if (spec.empty() || spec == "memory") {
        return std::make_unique<MemoryBroker>();
    }
    return std::unexpected("unknown broker \"" + std::string{spec} + "\" (expected memory)");
}

} // namespace parley::server
