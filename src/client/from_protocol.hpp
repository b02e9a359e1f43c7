#pragma once

// From the protocol module's shapes (src/protocol) to the SDK's public types (types.hpp,
// error.hpp): the client reads every reply and event with the protocol's readers and converts here,
// so no field name is spelled in the client. A shape that does not read is kBadReply (51004), with
// the reader's message.

#include "protocol/events.hpp"
#include "protocol/objects.hpp"
#include "protocol/replies.hpp"

#include <parley/client/error.hpp>
#include <parley/client/types.hpp>

#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace parley::client {

using Json = protocol::Json;
template <typename T> using Read = std::expected<T, Error>;

Channel toChannel(protocol::ChannelObject&& channel);
Member toMember(protocol::MemberObject&& member);
Message toMessage(protocol::MessageObject&& message);

/// A refused request's error as the SDK reports it (the server's code and message).
Error toError(const protocol::ReplyError& error);
/// A frame the client could not read.
Error badReply(const protocol::ShapeError& error);

// Successful replies (the whole reply frame) into SDK types.
Read<Channel> channelFromReply(const Json& reply);
/// One page of `channel.list`.
struct ChannelsPage {
    std::vector<Channel> channels;
    std::optional<std::string> next_page_token; // nullopt on the last page
};
Read<ChannelsPage> channelsFromReply(const Json& reply);
Read<std::vector<Member>> membersFromReply(const Json& reply);
Read<Message> messageFromReply(const Json& reply);
Read<std::vector<Message>> messagesFromReply(const Json& reply);
/// `ping`: the server's time.
Read<UnixMillis> serverTimeFromReply(const Json& reply);
/// `init` and `update_token`.
Read<protocol::TokenReply> tokenFromReply(const Json& reply);

// Events (the whole event frame).
Read<Message> messageFromEvent(const Json& event);
/// `member_joined` / `member_left`: the channel's SID and the identity.
Read<protocol::MemberEvent> memberFromEvent(const Json& event);
/// `token_about_to_expire`: the `exp` the server warns about.
Read<UnixSeconds> expiryFromEvent(const Json& event);

} // namespace parley::client
