#pragma once

// What the two halves of SqliteStore share (sqlite_store.cpp: setup, members, messages;
// sqlite_store_channels.cpp: channels): the statement list, row conversions and the statement
// helpers. Private to the store; nothing else includes it.

#include "server/store/sqlite_store.hpp"

#include <cstdint>
#include <optional>

namespace parley::server {

enum class SqliteStore::Sql {
    kChannelKey,
    kUniqueNameUsed,
    kInsertChannel,
    kFindChannel,
    kListChannels,
    kChannelsOf,
    kCountCreatedBy,
    kInsertMember,
    kDeleteMember,
    kIsMember,
    kMembers,
    kTakeNextIndex,
    kInsertMessage,
    kHistoryUpward,
    kHistoryDownward, // keep last: it sets the statement count
};

inline std::int64_t toStored(UnixMillis time) {
    return time.time_since_epoch().count();
}
inline UnixMillis fromStored(std::int64_t millis) {
    return UnixMillis{std::chrono::milliseconds{millis}};
}

/// A row of sid, unique_name, friendly_name, type, attributes, created_by, date_created; nullopt
/// for a type the CHECK constraint should have kept out (a corrupt file).
std::optional<Channel> readChannel(const SqliteStatement& row);

template <typename... Args> StoreResult<void> SqliteStore::run(Sql sql, const Args&... args) {
    const StatementLease command{statement(sql)};
    if (!command->bind(args...) || command->step() != StepResult::kDone) {
        return fail();
    }
    return {};
}

template <typename... Args> StoreResult<bool> SqliteStore::exists(Sql sql, const Args&... args) {
    const StatementLease query{statement(sql)};
    if (!query->bind(args...)) {
        return fail();
    }
    switch (query->step()) {
    case StepResult::kRow:
        return true;
    case StepResult::kDone:
        return false;
    case StepResult::kError:
        break;
    }
    return fail();
}

} // namespace parley::server
