#include "client/from_protocol.hpp"

#include <utility>

namespace parley::client {

namespace {

UnixMillis millis(std::int64_t unix_ms) {
    return UnixMillis{std::chrono::milliseconds{unix_ms}};
}

// A protocol reader's result, converted element by element.
template <typename From, typename Convert>
auto convert(protocol::Decoded<From>&& decoded, Convert to)
    -> Read<decltype(to(std::declval<From&&>()))> {
    if (!decoded) {
        return std::unexpected(badReply(decoded.error()));
    }
    return to(std::move(*decoded));
}

template <typename From, typename Convert>
auto convertAll(protocol::Decoded<std::vector<From>>&& decoded, Convert to)
    -> Read<std::vector<decltype(to(std::declval<From&&>()))>> {
    if (!decoded) {
        return std::unexpected(badReply(decoded.error()));
    }
    std::vector<decltype(to(std::declval<From&&>()))> out;
    out.reserve(decoded->size());
    for (auto& item : *decoded) {
        out.push_back(to(std::move(item)));
    }
    return out;
}

} // namespace

Channel toChannel(protocol::ChannelObject&& channel) {
    return Channel{
        .sid = std::move(channel.sid),
        .unique_name = std::move(channel.unique_name),
        .friendly_name = std::move(channel.friendly_name),
        .type = std::string{protocol::channelTypeName(channel.type)},
        .attributes = std::move(channel.attributes_json),
        .created_by = std::move(channel.created_by),
    };
}

Member toMember(protocol::MemberObject&& member) {
    return Member{.identity = std::move(member.identity), .joined_at = millis(member.joined_at)};
}

Message toMessage(protocol::MessageObject&& message) {
    return Message{
        .sid = std::move(message.sid),
        .index = message.index,
        .channel = std::move(message.channel),
        .author = std::move(message.author),
        .body = std::move(message.body),
        .attributes = std::move(message.attributes_json),
        .date_created = millis(message.date_created),
    };
}

Error toError(const protocol::ReplyError& error) {
    return Error{.code = error.code, .message = error.message};
}

Error badReply(const protocol::ShapeError& error) {
    return Error::client(ClientErrorCode::kBadReply, error.message);
}

Read<Channel> channelFromReply(const Json& reply) {
    return convert(protocol::readChannelReply(reply), toChannel);
}

Read<ChannelsPage> channelsFromReply(const Json& reply) {
    auto page = protocol::readChannelsReply(reply);
    if (!page) {
        return std::unexpected(badReply(page.error()));
    }
    ChannelsPage out{.next_page_token = std::move(page->next_page_token)};
    out.channels.reserve(page->channels.size());
    for (auto& channel : page->channels) {
        out.channels.push_back(toChannel(std::move(channel)));
    }
    return out;
}

Read<std::vector<Member>> membersFromReply(const Json& reply) {
    return convertAll(protocol::readMembersReply(reply), toMember);
}

Read<Message> messageFromReply(const Json& reply) {
    return convert(protocol::readMessageReply(reply), toMessage);
}

Read<std::vector<Message>> messagesFromReply(const Json& reply) {
    return convertAll(protocol::readMessagesReply(reply), toMessage);
}

Read<UnixMillis> serverTimeFromReply(const Json& reply) {
    return convert(protocol::readPingReply(reply), millis);
}

Read<protocol::TokenReply> tokenFromReply(const Json& reply) {
    return convert(protocol::readTokenReply(reply),
                   [](protocol::TokenReply&& token) { return std::move(token); });
}

Read<Message> messageFromEvent(const Json& event) {
    return convert(protocol::readMessageEvent(event), toMessage);
}

Read<protocol::MemberEvent> memberFromEvent(const Json& event) {
    return convert(protocol::readMemberEvent(event),
                   [](protocol::MemberEvent&& member) { return std::move(member); });
}

Read<UnixSeconds> expiryFromEvent(const Json& event) {
    return convert(protocol::readAboutToExpireEvent(event), [](std::int64_t expires_at) {
        return UnixSeconds{std::chrono::seconds{expires_at}};
    });
}

} // namespace parley::client
