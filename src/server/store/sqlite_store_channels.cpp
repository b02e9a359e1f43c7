// The channel half of SqliteStore (sqlite_store.cpp has the rest).

#include "server/store/sqlite_store_internal.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

std::optional<Channel> readChannel(const SqliteStatement& row) {
    const auto type = parseChannelType(row.columnText(3));
    if (!type) {
        return std::nullopt; // the CHECK constraint makes this a corrupt file
    }
    return Channel{.sid = row.columnText(0),
                   .unique_name = row.columnText(1),
                   .friendly_name = row.columnText(2),
                   .type = *type,
                   .attributes_json = row.columnText(4),
                   .created_by = row.columnText(5),
                   .date_created = fromStored(row.columnInt64(6))};
}

// Checked rather than read off the UNIQUE constraint's error, which would not tell a taken name
// from a SID collision. The count is inside createChannel's transaction, which holds SQLite's
// write lock from BEGIN IMMEDIATE (as SqliteTransaction begins), so no other create can slip
// between the count and the insert, even from another process.
StoreResult<void> SqliteStore::admitChannel(const NewChannel& channel) {
    if (!channel.unique_name.empty()) {
        const auto used = exists(Sql::kUniqueNameUsed, channel.unique_name);
        if (!used) {
            return std::unexpected(used.error());
        }
        if (*used) {
            return std::unexpected(StoreError::kUniqueNameTaken);
        }
    }
    if (!channel.creator_quota) {
        return {};
    }
    const StatementLease count{statement(Sql::kCountCreatedBy)};
    if (!count->bind(channel.created_by) || count->step() != StepResult::kRow) {
        return fail();
    }
    if (static_cast<std::uint64_t>(count->columnInt64(0)) >= *channel.creator_quota) {
        return std::unexpected(StoreError::kQuotaExceeded);
    }
    return {};
}

StoreResult<Channel> SqliteStore::createChannel(const NewChannel& channel) {
    const std::scoped_lock lock{mutex_};
    SqliteTransaction transaction{connection_};
    if (!transaction.begin()) {
        return fail();
    }
    if (auto admitted = admitChannel(channel); !admitted) {
        return std::unexpected(admitted.error());
    }
    if (auto inserted = run(Sql::kInsertChannel, channel.sid, channel.unique_name,
                            channel.friendly_name, channelTypeName(channel.type),
                            channel.attributes_json, channel.created_by, toStored(channel.now));
        !inserted) {
        return std::unexpected(inserted.error());
    }
    const std::int64_t key = connection_.lastInsertRowid();
    if (auto joined = run(Sql::kInsertMember, key, channel.created_by, toStored(channel.now));
        !joined) {
        return std::unexpected(joined.error());
    }
    if (!transaction.commit()) {
        return fail();
    }
    return Channel{.sid = channel.sid,
                   .unique_name = channel.unique_name,
                   .friendly_name = channel.friendly_name,
                   .type = channel.type,
                   .attributes_json = channel.attributes_json,
                   .created_by = channel.created_by,
                   .date_created = channel.now};
}

StoreResult<Channel> SqliteStore::findChannel(std::string_view sid_or_unique_name) {
    const std::scoped_lock lock{mutex_};
    const StatementLease query{statement(Sql::kFindChannel)};
    if (!query->bind(sid_or_unique_name)) {
        return fail();
    }
    switch (query->step()) {
    case StepResult::kRow:
        if (auto channel = readChannel(*query)) {
            return *std::move(channel);
        }
        break;
    case StepResult::kDone:
        return std::unexpected(StoreError::kNotFound);
    case StepResult::kError:
        break;
    }
    return fail();
}

// The cursor is the row key (seq) of the page's last channel: keys only grow, so a channel
// created while a client pages gets a larger key and comes on a later page, never shifting what
// is left to list (an OFFSET would). One row more than the page tells whether another follows.
StoreResult<ChannelPage> SqliteStore::listChannels(std::optional<std::string_view> identity,
                                                   const ChannelPageQuery& page) {
    const std::scoped_lock lock{mutex_};
    std::int64_t after = 0;
    if (page.after) {
        const auto key = channelKey(*page.after);
        if (!key) {
            return std::unexpected(key.error());
        }
        after = *key;
    }
    constexpr auto kMaxRows = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    const std::size_t limit = std::min(page.limit, kMaxRows - 1);
    const StatementLease query{statement(Sql::kListChannels)};
    if (!query->bind(identity.value_or(std::string_view{}),
                     std::int64_t{identity.has_value() ? 0 : 1}, after,
                     static_cast<std::int64_t>(limit + 1))) {
        return fail();
    }
    ChannelPage result;
    StepResult step = StepResult::kDone;
    while ((step = query->step()) == StepResult::kRow) {
        auto channel = readChannel(*query);
        if (!channel) {
            return fail();
        }
        result.channels.push_back(*std::move(channel));
    }
    if (step == StepResult::kError) {
        return fail();
    }
    result.more = result.channels.size() > limit;
    if (result.more) {
        result.channels.pop_back();
    }
    return result;
}

StoreResult<std::vector<MemberChannel>> SqliteStore::channelsOf(std::string_view identity) {
    const std::scoped_lock lock{mutex_};
    const StatementLease query{statement(Sql::kChannelsOf)};
    if (!query->bind(identity)) {
        return fail();
    }
    std::vector<MemberChannel> channels;
    StepResult step = StepResult::kDone;
    while ((step = query->step()) == StepResult::kRow) {
        channels.push_back(
            MemberChannel{.sid = query->columnText(0), .next_index = query->columnInt64(1)});
    }
    if (step == StepResult::kError) {
        return fail();
    }
    return channels;
}

} // namespace parley::server
