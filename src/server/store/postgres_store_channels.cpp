// The channel half of PostgresStore (postgres_store.cpp has the rest).

#include "server/store/postgres_store.hpp"
#include "server/store/postgres_store_internal.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

namespace {

// Any constant will do as long as nothing else in the database takes the same advisory lock.
constexpr std::int64_t kCreateChannelLock = 0x70617273'6c657932;

constexpr std::string_view kChannelColumns =
    "sid, COALESCE(unique_name, ''), friendly_name, type, attributes, created_by, date_created";

} // namespace

std::optional<Channel> readPgChannel(const PgResult& result, int row) {
    const auto type = parseChannelType(result.text(row, 3));
    if (!type) {
        return std::nullopt;
    }
    return Channel{.sid = result.text(row, 0),
                   .unique_name = result.text(row, 1),
                   .friendly_name = result.text(row, 2),
                   .type = *type,
                   .attributes_json = result.text(row, 4),
                   .created_by = result.text(row, 5),
                   .date_created = fromStoredMillis(result.integer(row, 6))};
}

// Checked rather than read off the UNIQUE constraint's error, which would not tell a taken name
// from a SID collision. createChannel holds kCreateChannelLock from before these checks until its
// commit, so no create on any node slips between the count and the insert.
StoreResult<void> PostgresStore::admitChannel(PgConnection& connection, const NewChannel& channel) {
    if (!channel.unique_name.empty()) {
        const auto used =
            connection.run("SELECT 1 FROM channels WHERE unique_name = $1", channel.unique_name);
        if (!used) {
            return fail(used.error());
        }
        if (used->rows() > 0) {
            return std::unexpected(StoreError::kUniqueNameTaken);
        }
    }
    if (!channel.creator_quota) {
        return {};
    }
    const auto count =
        connection.run("SELECT COUNT(*) FROM channels WHERE created_by = $1", channel.created_by);
    if (!count) {
        return fail(count.error());
    }
    if (static_cast<std::uint64_t>(count->integer(0, 0)) >= *channel.creator_quota) {
        return std::unexpected(StoreError::kQuotaExceeded);
    }
    return {};
}

// The lock also makes channel keys (seq) follow commit order: a key is drawn after the lock is
// taken, so a channel committed later always has a larger key, and a client paging by key never
// misses a channel that another node committed while it paged.
StoreResult<void> PostgresStore::insertChannel(PgConnection& connection,
                                               const NewChannel& channel) {
    PgTransaction transaction{connection};
    if (auto begun = transaction.begin(); !begun) {
        return fail(begun.error());
    }
    if (auto locked = connection.run("SELECT pg_advisory_xact_lock($1)", kCreateChannelLock);
        !locked) {
        return fail(locked.error());
    }
    if (auto admitted = admitChannel(connection, channel); !admitted) {
        return admitted;
    }
    const auto inserted = connection.run(
        "INSERT INTO channels (sid, unique_name, friendly_name, type, attributes, created_by, "
        "date_created) VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7) RETURNING seq",
        channel.sid, channel.unique_name, channel.friendly_name, channelTypeName(channel.type),
        channel.attributes_json, channel.created_by, toStoredMillis(channel.now));
    if (!inserted) {
        return fail(inserted.error());
    }
    const auto joined =
        connection.run("INSERT INTO members (channel, identity, joined_at) VALUES ($1, $2, $3)",
                       inserted->integer(0, 0), channel.created_by, toStoredMillis(channel.now));
    if (!joined) {
        return fail(joined.error());
    }
    if (auto committed = transaction.commit(); !committed) {
        return fail(committed.error());
    }
    return {};
}

StoreResult<Channel> PostgresStore::createChannel(const NewChannel& channel) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    if (auto inserted = insertChannel(**connection, channel); !inserted) {
        return std::unexpected(inserted.error());
    }
    return Channel{.sid = channel.sid,
                   .unique_name = channel.unique_name,
                   .friendly_name = channel.friendly_name,
                   .type = channel.type,
                   .attributes_json = channel.attributes_json,
                   .created_by = channel.created_by,
                   .date_created = channel.now};
}

StoreResult<Channel> PostgresStore::findChannel(std::string_view sid_or_unique_name) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    // One lookup for both keys; a SID match sorts first.
    const auto found = (*connection)
                           ->run("SELECT " + std::string{kChannelColumns} +
                                     " FROM channels WHERE sid = $1 OR unique_name = $1 ORDER BY "
                                     "sid = $1 DESC LIMIT 1",
                                 sid_or_unique_name);
    if (!found) {
        return fail(found.error());
    }
    if (found->rows() == 0) {
        return std::unexpected(StoreError::kNotFound);
    }
    if (auto channel = readPgChannel(*found, 0)) {
        return *std::move(channel);
    }
    return fail("channel " + found->text(0, 0) + " has an unknown type");
}

// The cursor is the channel key (seq) of the page's last channel, as in SqliteStore: keys only
// grow, so channels created while a client pages come on a later page. One row more than the
// page tells whether another follows.
StoreResult<ChannelPage> PostgresStore::listChannels(std::optional<std::string_view> identity,
                                                     const ChannelPageQuery& page) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    std::int64_t after = 0;
    if (page.after) {
        const auto key = channelKey(**connection, *page.after);
        if (!key) {
            return std::unexpected(key.error());
        }
        after = *key;
    }
    constexpr auto kMaxRows = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    const std::size_t limit = std::min(page.limit, kMaxRows - 1);
    const auto rows =
        (*connection)
            ->run("SELECT " + std::string{kChannelColumns} +
                      " FROM channels AS c WHERE ($2 = 1 OR type = 'public' OR EXISTS "
                      "(SELECT 1 FROM members AS m WHERE m.channel = c.seq AND m.identity = $1)) "
                      "AND seq > $3 ORDER BY seq LIMIT $4",
                  identity.value_or(std::string_view{}), std::int64_t{identity.has_value() ? 0 : 1},
                  after, static_cast<std::int64_t>(limit + 1));
    if (!rows) {
        return fail(rows.error());
    }
    ChannelPage result;
    for (int row = 0; row < rows->rows(); ++row) {
        auto channel = readPgChannel(*rows, row);
        if (!channel) {
            return fail("channel " + rows->text(row, 0) + " has an unknown type");
        }
        result.channels.push_back(*std::move(channel));
    }
    result.more = result.channels.size() > limit;
    if (result.more) {
        result.channels.pop_back();
    }
    return result;
}

StoreResult<std::vector<MemberChannel>> PostgresStore::channelsOf(std::string_view identity) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto rows = (*connection)
                          ->run("SELECT c.sid, c.next_index FROM members AS m JOIN channels AS c "
                                "ON c.seq = m.channel WHERE m.identity = $1 ORDER BY m.seq",
                                identity);
    if (!rows) {
        return fail(rows.error());
    }
    std::vector<MemberChannel> channels;
    channels.reserve(static_cast<std::size_t>(rows->rows()));
    for (int row = 0; row < rows->rows(); ++row) {
        channels.push_back(
            MemberChannel{.sid = rows->text(row, 0), .next_index = rows->integer(row, 1)});
    }
    return channels;
}

} // namespace parley::server
