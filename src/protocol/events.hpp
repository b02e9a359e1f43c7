#pragma once

// Server events (docs/protocol.md, "Events") and the parser of everything a server sends: the
// server builds event frames here, the C++ client parses frames and reads events here.

#include "protocol/objects.hpp"
#include "protocol/shape_error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley::protocol {

enum class EventKind {
    kTokenAboutToExpire,
    kTokenExpired,
    kMessage,
    kMemberJoined,
    kMemberLeft,
};

/// The wire name of an event, and back (nullopt for a name this version does not know).
std::string_view eventName(EventKind kind);
std::optional<EventKind> parseEventKind(std::string_view name);

/// `member_joined` / `member_left`.
struct MemberEvent {
    std::string channel;
    std::string identity;

    bool operator==(const MemberEvent&) const = default;
};

/// {"event":"message","channel":<sid>,"message":{...}}
std::string messageEvent(const MessageObject& message);
/// {"event":"member_joined"|"member_left","channel":<sid>,"identity":<id>}
std::string memberEvent(EventKind kind, const MemberEvent& event);

/// Largest frame a client reads: a history page of 500 messages of up to 48 KiB of body and
/// attributes each fits, with room.
inline constexpr std::size_t kMaxServerFrameBytes = std::size_t{32} * 1024 * 1024;

struct ReplyError {
    int code = 0;
    std::string message;
};

struct Reply {
    std::uint64_t reply_to = 0;
    /// The whole frame on success; null on failure.
    Json body;
    std::optional<ReplyError> error;
    /// `server_time` (unix ms) when the reply carries it.
    std::optional<std::int64_t> server_time;
};

struct Event {
    /// nullopt for an event this version does not know (ignored, for forward compatibility).
    std::optional<EventKind> kind;
    std::string name;
    Json body;
    std::optional<std::int64_t> server_time;
};

using ServerFrame = std::variant<Reply, Event>;

/// Never throws; a frame that is neither a reply nor an event gives a message saying why.
std::expected<ServerFrame, std::string> parseServerFrame(std::string_view text);

/// Typed readers of an event's body.
Decoded<MessageObject> readMessageEvent(const Json& body);
Decoded<MemberEvent> readMemberEvent(const Json& body);
/// `expires_at` of token_about_to_expire, unix seconds.
Decoded<std::int64_t> readAboutToExpireEvent(const Json& body);

} // namespace parley::protocol
