#pragma once

// Op and event names of the wire protocol (docs/protocol.md), shared by server and
// client so neither spells them on its own.

#include <string_view>

namespace parley::protocol {

namespace op {
inline constexpr std::string_view kInit = "init";
inline constexpr std::string_view kUpdateToken = "update_token";
inline constexpr std::string_view kChannelCreate = "channel.create";
inline constexpr std::string_view kChannelList = "channel.list";
inline constexpr std::string_view kChannelJoin = "channel.join";
inline constexpr std::string_view kChannelLeave = "channel.leave";
inline constexpr std::string_view kChannelMembers = "channel.members";
inline constexpr std::string_view kChannelAddMember = "channel.add_member";
inline constexpr std::string_view kMessageSend = "message.send";
inline constexpr std::string_view kMessageHistory = "message.history";
inline constexpr std::string_view kPing = "ping";
} // namespace op

namespace event {
inline constexpr std::string_view kTokenAboutToExpire = "token_about_to_expire";
inline constexpr std::string_view kTokenExpired = "token_expired";
inline constexpr std::string_view kMessage = "message";
inline constexpr std::string_view kMemberJoined = "member_joined";
inline constexpr std::string_view kMemberLeft = "member_left";
} // namespace event

/// The WebSocket endpoint.
inline constexpr std::string_view kWebSocketPath = "/v1/ws";

/// Largest WebSocket message either side accepts; larger ones close with 1009.
inline constexpr std::size_t kMaxFrameBytes = std::size_t{64} * 1024;
/// Largest message body and attributes object (bytes of compact JSON).
inline constexpr std::size_t kMaxBodyBytes = std::size_t{32} * 1024;
inline constexpr std::size_t kMaxAttributesBytes = std::size_t{16} * 1024;
/// Default and largest page of message.history.
inline constexpr std::size_t kDefaultHistoryLimit = 50;
inline constexpr std::size_t kMaxHistoryLimit = 500;
/// Largest `unique_name` and `friendly_name` of a channel, in bytes (50003 beyond).
inline constexpr std::size_t kMaxChannelNameBytes = 256;

} // namespace parley::protocol
