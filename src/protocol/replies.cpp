#include "protocol/replies.hpp"

#include "protocol/json_fields.hpp"

#include <cmath>

namespace parley::protocol {

namespace {

template <typename T> Json arrayOf(const std::vector<T>& items) {
    Json out = Json::array();
    for (const T& item : items) {
        out.push_back(toJson(item));
    }
    return out;
}

template <typename T, typename Reader>
Decoded<std::vector<T>> readArray(const Json& reply, std::string_view name, Reader read) {
    const Json* found = fields::find(reply, name);
    if (found == nullptr || !found->is_array()) {
        return shapeError("the reply has no array " + std::string{name});
    }
    std::vector<T> out;
    out.reserve(found->size());
    for (const Json& item : *found) {
        auto value = read(item);
        if (!value) {
            return std::unexpected(value.error());
        }
        out.push_back(std::move(*value));
    }
    return out;
}

template <typename Reader>
auto readObject(const Json& reply, std::string_view name, Reader read) -> decltype(read(reply)) {
    const Json* found = fields::find(reply, name);
    if (found == nullptr) {
        return shapeError("the reply has no " + std::string{name});
    }
    return read(*found);
}

// A whole number goes out as an integer ("rate_burst": 100, not 100.0).
Json number(double value) {
    constexpr double kLargestExact = 9007199254740992.0; // 2^53
    if (std::trunc(value) == value && std::fabs(value) <= kLargestExact) {
        return static_cast<std::int64_t>(value);
    }
    return value;
}

// A positive, finite number (a rate or a burst).
std::optional<double> positive(const Json& object, std::string_view name) {
    const Json* found = fields::find(object, name);
    if (found == nullptr || !found->is_number()) {
        return std::nullopt;
    }
    const double value = found->get<double>();
    if (!std::isfinite(value) || value <= 0) {
        return std::nullopt;
    }
    return value;
}

// `limits`: absent or null is none; present, both numbers must be positive.
Decoded<std::optional<ConnectionLimits>> readLimits(const Json& reply) {
    const Json* found = fields::find(reply, "limits");
    if (found == nullptr) {
        return std::optional<ConnectionLimits>{};
    }
    const auto rate = found->is_object() ? positive(*found, "rate_per_second") : std::nullopt;
    const auto burst = found->is_object() ? positive(*found, "rate_burst") : std::nullopt;
    if (!rate || !burst) {
        return shapeError("malformed limits");
    }
    return ConnectionLimits{.rate_per_second = *rate, .rate_burst = *burst};
}

} // namespace

Json encodeReply(const TokenReply& reply) {
    Json out{{"identity", reply.identity},
             {"expires_at", reply.expires_at},
             {"server_time", reply.server_time}};
    if (reply.limits) {
        out["limits"] = {{"rate_per_second", number(reply.limits->rate_per_second)},
                         {"rate_burst", number(reply.limits->rate_burst)}};
    }
    return out;
}

Json channelReply(const ChannelObject& channel) {
    return {{"channel", toJson(channel)}};
}

Json channelsReply(const std::vector<ChannelObject>& channels,
                   const std::optional<std::string>& next_page_token) {
    Json reply{{"channels", arrayOf(channels)}};
    writeNextPageToken(next_page_token, reply);
    return reply;
}

Json membersReply(const std::vector<MemberObject>& members) {
    return {{"members", arrayOf(members)}};
}

Json messageReply(const MessageObject& message) {
    return {{"message", toJson(message)}};
}

Json messagesReply(const std::vector<MessageObject>& messages) {
    return {{"messages", arrayOf(messages)}};
}

Json messagesReply(const std::vector<MessageObject>& messages,
                   const std::optional<std::string>& next_page_token) {
    Json reply = messagesReply(messages);
    writeNextPageToken(next_page_token, reply);
    return reply;
}

Json pingReply(std::int64_t server_time) {
    return {{"server_time", server_time}};
}

Decoded<TokenReply> readTokenReply(const Json& reply) {
    auto identity = fields::string(reply, "identity");
    auto expires_at = fields::integer(reply, "expires_at");
    auto server_time = fields::integer(reply, "server_time");
    auto limits = readLimits(reply);
    if (!identity || !expires_at || !server_time || !limits) {
        return shapeError("malformed token reply");
    }
    return TokenReply{.identity = std::move(*identity),
                      .expires_at = *expires_at,
                      .server_time = *server_time,
                      .limits = *limits};
}

Decoded<ChannelObject> readChannelReply(const Json& reply) {
    return readObject(reply, "channel", readChannel);
}

Decoded<ChannelsPage> readChannelsReply(const Json& reply) {
    auto channels = readArray<ChannelObject>(reply, "channels", readChannel);
    if (!channels) {
        return std::unexpected(channels.error());
    }
    auto next = readNextPageToken(reply);
    if (!next) {
        return std::unexpected(next.error());
    }
    return ChannelsPage{.channels = std::move(*channels), .next_page_token = std::move(*next)};
}

Decoded<std::vector<MemberObject>> readMembersReply(const Json& reply) {
    return readArray<MemberObject>(reply, "members", readMember);
}

Decoded<MessageObject> readMessageReply(const Json& reply) {
    return readObject(reply, "message", readMessage);
}

Decoded<std::vector<MessageObject>> readMessagesReply(const Json& reply) {
    return readArray<MessageObject>(reply, "messages", readMessage);
}

Decoded<std::int64_t> readPingReply(const Json& reply) {
    return fields::integer(reply, "server_time");
}

} // namespace parley::protocol
