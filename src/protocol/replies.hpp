#pragma once

// The fields of every successful reply (docs/protocol.md, "Ops"): the server encodes them, the
// C++ client reads them. Each encoder returns the members that go beside `reply_to` and `ok`.

#include "protocol/objects.hpp"
#include "protocol/paging.hpp"
#include "protocol/shape_error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::protocol {

/// What the server lets one connection send, announced in the `init` reply so that a client can
/// pace its requests within it instead of being refused (50429, then close 4429): a token bucket
/// of `rate_burst` frames refilled at `rate_per_second`, every text frame counting.
struct ConnectionLimits {
    double rate_per_second = 0;
    double rate_burst = 0;
};

/// The reply to `init` and `update_token`.
struct TokenReply {
    std::string identity;
    std::int64_t expires_at = 0;  // unix seconds
    std::int64_t server_time = 0; // unix milliseconds
    /// `limits`: in the `init` reply only (a server that predates it sends none).
    std::optional<ConnectionLimits> limits;
};

/// One page of `channel.list` (and of REST `/v1/channels`).
struct ChannelsPage {
    std::vector<ChannelObject> channels;
    std::optional<std::string> next_page_token; // nullopt on the last page
};

Json encodeReply(const TokenReply& reply);
/// `channel.create`, `channel.join`, `channel.leave`, `channel.add_member`.
Json channelReply(const ChannelObject& channel);
/// `channel.list`: the page and its `next_page_token` (null on the last page).
Json channelsReply(const std::vector<ChannelObject>& channels,
                   const std::optional<std::string>& next_page_token);
/// `channel.members`.
Json membersReply(const std::vector<MemberObject>& members);
/// `message.send`.
Json messageReply(const MessageObject& message);
/// `message.history`, oldest first.
Json messagesReply(const std::vector<MessageObject>& messages);
/// A page of REST `/v1/channels/C/messages`: messagesReply plus `next_page_token`.
Json messagesReply(const std::vector<MessageObject>& messages,
                   const std::optional<std::string>& next_page_token);
/// `ping`.
Json pingReply(std::int64_t server_time);

Decoded<TokenReply> readTokenReply(const Json& reply);
Decoded<ChannelObject> readChannelReply(const Json& reply);
/// A reply without `next_page_token` (a server before paging) is the last page.
Decoded<ChannelsPage> readChannelsReply(const Json& reply);
Decoded<std::vector<MemberObject>> readMembersReply(const Json& reply);
Decoded<MessageObject> readMessageReply(const Json& reply);
Decoded<std::vector<MessageObject>> readMessagesReply(const Json& reply);
Decoded<std::int64_t> readPingReply(const Json& reply);

} // namespace parley::protocol
