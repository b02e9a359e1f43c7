#pragma once

// What the two halves of PostgresStore share (postgres_store.cpp: setup, members, messages;
// postgres_store_channels.cpp: channels): row conversions. Private to the store.

#include "server/store/postgres_connection.hpp"
#include "server/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace parley::server {

inline std::int64_t toStoredMillis(UnixMillis time) {
    return time.time_since_epoch().count();
}
inline UnixMillis fromStoredMillis(std::int64_t millis) {
    return UnixMillis{std::chrono::milliseconds{millis}};
}

/// Row `row` of sid, unique_name, friendly_name, type, attributes, created_by, date_created;
/// nullopt for a type the CHECK constraint should have kept out.
std::optional<Channel> readPgChannel(const PgResult& result, int row);

} // namespace parley::server
