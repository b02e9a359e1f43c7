#pragma once

// Storage of channels, members and messages. The chat service talks only to this interface:
// SQLite is the embedded default, PostgreSQL (several nodes) sits behind the same calls, and both
// pass the same typed test suite (tests/unit/server/store/store_test.cpp).
//
// Contract for every implementation:
// - Thread-safe: any method may be called from any thread concurrently (the server calls it from
//   its store workers, never from an io thread).
// - Durable on return: when appendMessage or appendMessages returns messages they are committed,
//   and survive kill -9 of the process.
// - Message indexes are per channel, start at 0, increase by one, and never repeat, even across
//   restarts.
// - Times are unix milliseconds supplied by the caller (the store never reads a clock).
// - Lists page by cursor, not by offset: a page starts after the last item of the one before, in
//   the list's fixed order, so items added while a client pages come later and nothing already
//   listed is skipped or repeated (tests/unit/server/store/store_paging_test.cpp).

#include "protocol/objects.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

// The protocol's names for channel types are the store's too.
using protocol::ChannelType;
using protocol::channelTypeName;
using protocol::parseChannelType;

/// Unix time in milliseconds, as the protocol carries it.
using UnixMillis = std::chrono::sys_time<std::chrono::milliseconds>;

struct Channel {
    std::string sid; // CH + 32 hex
    std::string unique_name;
    std::string friendly_name;
    ChannelType type = ChannelType::kPublic;
    std::string attributes_json = "{}"; // compact JSON object
    std::string created_by;
    UnixMillis date_created{};
};

/// A channel an identity belongs to, and the index its next message will take, read in one
/// statement: a message stored after the read has at least that index.
struct MemberChannel {
    std::string sid;
    std::int64_t next_index = 0;

    bool operator==(const MemberChannel&) const = default;
};

struct Member {
    std::string identity;
    UnixMillis joined_at{};
};

struct Message {
    std::string sid; // IM + 32 hex
    std::string channel_sid;
    std::int64_t index = 0;
    std::string author;
    std::string body;
    std::string attributes_json = "{}";
    UnixMillis date_created{};
};

struct NewChannel {
    std::string sid;
    std::string unique_name;
    std::string friendly_name;
    ChannelType type = ChannelType::kPublic;
    std::string attributes_json = "{}";
    std::string created_by;
    UnixMillis now{};
    /// When set, refuse (kQuotaExceeded) if `created_by` has already created this many channels.
    /// Checked in the same transaction as the insert, so concurrent creates cannot overshoot it.
    std::optional<std::size_t> creator_quota;
};

struct NewMessage {
    std::string sid;
    std::string channel_sid;
    std::string author;
    std::string body;
    std::string attributes_json = "{}";
    UnixMillis now{};

    /// The message as stored, once the store has given it `index`.
    Message stored(std::int64_t index) const {
        return Message{.sid = sid,
                       .channel_sid = channel_sid,
                       .index = index,
                       .author = author,
                       .body = body,
                       .attributes_json = attributes_json,
                       .date_created = now};
    }
};

/// Which page of a channel's history: messages with index < before, or > after (at most one of
/// them set), at most `limit`, always returned oldest first. With neither, the newest `limit`.
/// The page also stops before its messages count more than `max_bytes` (protocol::historyBytes),
/// keeping those nearest the index it starts from; it always holds at least one message.
struct HistoryQuery {
    std::optional<std::int64_t> before;
    std::optional<std::int64_t> after;
    std::size_t limit = 50;
    std::size_t max_bytes = std::numeric_limits<std::size_t>::max();
};

/// Which page of a channel list: at most `limit` channels that come after the channel whose SID
/// is `after` in creation order (from the first channel when `after` is nullopt). The `after`
/// channel need not be in the list any more (its caller may have left it).
struct ChannelPageQuery {
    std::optional<std::string> after;
    std::size_t limit = 50;
};

struct ChannelPage {
    std::vector<Channel> channels;
    /// True when channels come after the last one of this page (a later page is not empty, unless
    /// the caller lost access to them meanwhile).
    bool more = false;
};

enum class StoreError {
    kNotFound,        // no such channel
    kUniqueNameTaken, // createChannel: unique_name in use
    kQuotaExceeded,   // createChannel: the creator is at its creator_quota
    kFailed,          // the database failed; the operation did not take effect
};

template <typename T> using StoreResult = std::expected<T, StoreError>;

class Store {
public:
    virtual ~Store() = default;

    /// Creates a channel; its creator becomes its first member (joined_at = now).
    virtual StoreResult<Channel> createChannel(const NewChannel& channel) = 0;
    /// By SID, or else by unique name.
    virtual StoreResult<Channel> findChannel(std::string_view sid_or_unique_name) = 0;
    /// A page of the public channels plus the private channels `identity` is a member of, oldest
    /// first; of every channel when `identity` is nullopt (an account's view, for the REST API).
    /// kNotFound when `page.after` names no channel (a forged or foreign cursor).
    virtual StoreResult<ChannelPage> listChannels(std::optional<std::string_view> identity,
                                                  const ChannelPageQuery& page) = 0;
    /// Every channel `identity` is a member of, with its next index, in the order joined.
    virtual StoreResult<std::vector<MemberChannel>> channelsOf(std::string_view identity) = 0;

    /// Adds a member; true if added, false if already a member. kNotFound if no channel.
    virtual StoreResult<bool> addMember(std::string_view channel_sid, std::string_view identity,
                                        UnixMillis now) = 0;
    /// Removes a member; true if removed, false if not a member.
    virtual StoreResult<bool> removeMember(std::string_view channel_sid,
                                           std::string_view identity) = 0;
    virtual StoreResult<bool> isMember(std::string_view channel_sid, std::string_view identity) = 0;
    /// Members in joining order.
    virtual StoreResult<std::vector<Member>> members(std::string_view channel_sid) = 0;

    /// Appends a message with the channel's next index; committed when it returns.
    virtual StoreResult<Message> appendMessage(const NewMessage& message) = 0;
    /// Appends `messages` in one transaction, in the order given, each with its channel's next
    /// index (so one channel's messages get consecutive indexes in that order), and returns them
    /// in the same order. All are committed when it returns, or none is: kNotFound if a channel
    /// does not exist, kFailed for anything else (a duplicate SID, the database). One commit for
    /// many messages is what lets a busy channel take more sends than commits per second.
    virtual StoreResult<std::vector<Message>>
    appendMessages(std::span<const NewMessage> messages) = 0;
    virtual StoreResult<std::vector<Message>> history(std::string_view channel_sid,
                                                      const HistoryQuery& query) = 0;

    /// Whether the database answers now (for /healthz). An embedded store always does; a remote
    /// one asks its server, which may take up to its connect timeout, so call it on a store
    /// worker, never on an io thread.
    virtual bool reachable() { return true; }
    /// Which database this is, for /healthz: "sqlite FILE" or "postgresql USER@HOST:PORT/DB".
    virtual std::string describe() const = 0;
};

} // namespace parley::server
