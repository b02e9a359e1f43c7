#pragma once

// The one place where configuration picks the Store (and the RevocationStore that goes with it)
// and the Broker (`--store`, `--broker`): `sqlite:DIR` (the default, DIR being the data
// directory) or `postgresql://USER@HOST:PORT/DB`, and `memory` or `redis://HOST:PORT`.

#include "server/broker/broker.hpp"
#include "server/store/revocation_store.hpp"
#include "server/store/store.hpp"

#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace parley::server {

/// The store a spec names: "sqlite:DIR" (DIR/parley.db), "" for SQLite in `data_dir`, or a
/// "postgresql://" URL (checked before connecting; its schema is created or migrated).
std::expected<std::unique_ptr<Store>, std::string> openStore(std::string_view spec,
                                                             const std::filesystem::path& data_dir);

/// Where the revocations live for the store `spec` names: in the same PostgreSQL database, shared
/// by every node, for a "postgresql://" URL; otherwise in revocations.db in `data_dir`, this
/// node's own.
std::expected<std::unique_ptr<RevocationStore>, std::string>
openRevocationStore(std::string_view spec, const std::filesystem::path& data_dir);

/// The broker a spec names: "memory" (or ""), or "redis://HOST:PORT". `node_id` (may be empty)
/// names this node to the others (the connection limit across nodes, see RedisSessionCounts).
std::expected<std::unique_ptr<Broker>, std::string> openBroker(std::string_view spec,
                                                               std::string_view node_id = {});

struct RedisAddress {
    std::string host;
    int port = 0;
};
/// "redis://HOST:PORT" (a trailing slash allowed); an error that says what is wrong otherwise.
std::expected<RedisAddress, std::string> parseRedisAddress(std::string_view spec);

} // namespace parley::server
