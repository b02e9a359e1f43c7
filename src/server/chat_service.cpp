#include "server/chat_service.hpp"

#include "protocol/names.hpp"
#include "server/chat_json.hpp"
#include "server/sid.hpp"

#include <array>

namespace parley::server {
namespace {

using protocol::ErrorCode;
using protocol::Json;

std::unexpected<OpError> error(ErrorCode code, std::string message = {}) {
    if (message.empty()) {
        message = std::string{protocol::describe(code)};
    }
    return std::unexpected(OpError{code, std::move(message)});
}

std::unexpected<OpError> storeError(StoreError failure) {
    switch (failure) {
    case StoreError::kNotFound:
        return error(ErrorCode::kChannelNotFound);
    case StoreError::kUniqueNameTaken:
        return error(ErrorCode::kUniqueNameTaken);
    case StoreError::kFailed:
        break;
    }
    return error(ErrorCode::kInternal, "storage failed; the operation did not take effect");
}

std::unexpected<OpError> argumentError(const protocol::FrameError& failure) {
    return error(failure.code, failure.message);
}

// `attributes`: absent is {}, otherwise an object of at most 16 KiB compact.
std::expected<std::string, OpError> attributesArg(const protocol::Request& request) {
    const auto found = request.frame.find("attributes");
    if (found == request.frame.end() || found->is_null()) {
        return std::string{"{}"};
    }
    if (!found->is_object()) {
        return error(ErrorCode::kInvalidAttributes, "attributes must be a JSON object");
    }
    std::string compact = found->dump(-1, ' ', false, Json::error_handler_t::replace);
    if (compact.size() > protocol::kMaxAttributesBytes) {
        return error(ErrorCode::kInvalidAttributes, "attributes larger than 16 KiB");
    }
    return compact;
}

} // namespace

ChatService::ChatService(Store& store, Broker& broker, Hub& hub, Metrics& metrics,
                         const token::Clock& clock)
    : store_(store), broker_(broker), hub_(hub), metrics_(metrics), clock_(clock) {}

bool ChatService::handles(std::string_view op) {
    namespace op_name = protocol::op;
    constexpr std::array kOps = {op_name::kChannelCreate,  op_name::kChannelList,
                                 op_name::kChannelJoin,    op_name::kChannelLeave,
                                 op_name::kChannelMembers, op_name::kChannelAddMember,
                                 op_name::kMessageSend,    op_name::kMessageHistory};
    return std::find(kOps.begin(), kOps.end(), op) != kOps.end();
}

OpResult ChatService::handle(const std::string& identity, const protocol::Request& request) {
    namespace op = protocol::op;
    const std::string_view name = request.op;
    if (name == op::kChannelCreate) {
        return create(identity, request);
    }
    if (name == op::kChannelList) {
        return list(identity);
    }
    if (name == op::kChannelJoin) {
        return join(identity, request);
    }
    if (name == op::kChannelLeave) {
        return leave(identity, request);
    }
    if (name == op::kChannelMembers) {
        return members(identity, request);
    }
    if (name == op::kChannelAddMember) {
        return addMember(identity, request);
    }
    if (name == op::kMessageSend) {
        return send(identity, request);
    }
    if (name == op::kMessageHistory) {
        return history(identity, request);
    }
    return error(ErrorCode::kUnknownOp, "unknown op \"" + request.op + "\"");
}

StoreResult<std::vector<std::string>> ChatService::channelsOf(const std::string& identity) {
    return store_.channelsOf(identity);
}

std::expected<bool, OpError> ChatService::isMember(const std::string& channel,
                                                   const std::string& identity) {
    const auto member = store_.isMember(channel, identity);
    if (!member) {
        return storeError(member.error());
    }
    return *member;
}

std::expected<Channel, OpError> ChatService::visibleChannel(const std::string& identity,
                                                            const protocol::Request& request) {
    const auto reference = protocol::stringArg(request, "channel");
    if (!reference) {
        return argumentError(reference.error());
    }
    auto channel = store_.findChannel(*reference);
    if (!channel) {
        return storeError(channel.error());
    }
    if (channel->type == ChannelType::kPrivate) {
        // A private channel is invisible to non-members: same answer as a missing one, so its
        // existence does not leak.
        const auto member = isMember(channel->sid, identity);
        if (!member) {
            return std::unexpected(member.error());
        }
        if (!*member) {
            return error(ErrorCode::kChannelNotFound);
        }
    }
    return std::move(*channel);
}

void ChatService::publishMembership(std::string_view event, const std::string& channel,
                                    const std::string& identity) {
    broker_.publish(channel, std::make_shared<const std::string>(protocol::eventFrame(
                                 event, {{"channel", channel}, {"identity", identity}})));
}

OpResult ChatService::create(const std::string& identity, const protocol::Request& request) {
    const auto unique_name = protocol::stringArg(request, "unique_name");
    if (!unique_name) {
        return argumentError(unique_name.error());
    }
    const auto friendly_name = protocol::optionalStringArg(request, "friendly_name");
    if (!friendly_name) {
        return argumentError(friendly_name.error());
    }
    const auto type_name = protocol::optionalStringArg(request, "type");
    if (!type_name) {
        return argumentError(type_name.error());
    }
    const auto type = parseChannelType(type_name->value_or("public"));
    if (!type) {
        return error(ErrorCode::kInvalidArgument, R"(type must be "public" or "private")");
    }
    const auto attributes = attributesArg(request);
    if (!attributes) {
        return std::unexpected(attributes.error());
    }
    const auto channel = store_.createChannel(NewChannel{
        .sid = makeSid("CH"),
        .unique_name = *unique_name,
        .friendly_name = friendly_name->value_or(*unique_name),
        .type = *type,
        .attributes_json = *attributes,
        .created_by = identity,
        .now = clock_.now(),
    });
    if (!channel) {
        return storeError(channel.error());
    }
    hub_.memberAdded(channel->sid, identity);
    publishMembership(protocol::event::kMemberJoined, channel->sid, identity);
    return Json{{"channel", channelJson(*channel)}};
}

OpResult ChatService::list(const std::string& identity) {
    const auto channels = store_.listChannels(identity);
    if (!channels) {
        return storeError(channels.error());
    }
    Json out = Json::array();
    for (const Channel& channel : *channels) {
        out.push_back(channelJson(channel));
    }
    return Json{{"channels", std::move(out)}};
}

OpResult ChatService::join(const std::string& identity, const protocol::Request& request) {
    const auto channel = visibleChannel(identity, request);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto added = store_.addMember(channel->sid, identity, clock_.now());
    if (!added) {
        return storeError(added.error());
    }
    if (*added) {
        hub_.memberAdded(channel->sid, identity);
        publishMembership(protocol::event::kMemberJoined, channel->sid, identity);
    }
    return Json{{"channel", channelJson(*channel)}};
}

OpResult ChatService::leave(const std::string& identity, const protocol::Request& request) {
    const auto channel = visibleChannel(identity, request);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto removed = store_.removeMember(channel->sid, identity);
    if (!removed) {
        return storeError(removed.error());
    }
    if (!*removed) {
        return error(ErrorCode::kNotAMember);
    }
    // Published before the hub forgets the membership, so the leaver's sessions see it too.
    publishMembership(protocol::event::kMemberLeft, channel->sid, identity);
    hub_.memberRemoved(channel->sid, identity);
    return Json{{"channel", channelJson(*channel)}};
}

OpResult ChatService::members(const std::string& identity, const protocol::Request& request) {
    const auto channel = visibleChannel(identity, request);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto members = store_.members(channel->sid);
    if (!members) {
        return storeError(members.error());
    }
    Json out = Json::array();
    for (const Member& member : *members) {
        out.push_back(memberJson(member));
    }
    return Json{{"members", std::move(out)}};
}

OpResult ChatService::addMember(const std::string& identity, const protocol::Request& request) {
    const auto channel = visibleChannel(identity, request);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto invitee = protocol::stringArg(request, "identity");
    if (!invitee) {
        return argumentError(invitee.error());
    }
    const auto member = isMember(channel->sid, identity);
    if (!member) {
        return std::unexpected(member.error());
    }
    if (!*member) {
        return error(ErrorCode::kNotAMember, "only members of a channel can add members");
    }
    const auto added = store_.addMember(channel->sid, *invitee, clock_.now());
    if (!added) {
        return storeError(added.error());
    }
    if (*added) {
        hub_.memberAdded(channel->sid, *invitee);
        publishMembership(protocol::event::kMemberJoined, channel->sid, *invitee);
    }
    return Json{{"channel", channelJson(*channel)}};
}

OpResult ChatService::send(const std::string& identity, const protocol::Request& request) {
    const auto channel = visibleChannel(identity, request);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto body = request.frame.find("body");
    if (body == request.frame.end() || !body->is_string()) {
        return error(ErrorCode::kInvalidArgument, "body must be a string");
    }
    if (body->get_ref<const std::string&>().size() > protocol::kMaxBodyBytes) {
        return error(ErrorCode::kBodyTooLarge);
    }
    const auto attributes = attributesArg(request);
    if (!attributes) {
        return std::unexpected(attributes.error());
    }
    const auto member = isMember(channel->sid, identity);
    if (!member) {
        return std::unexpected(member.error());
    }
    if (!*member) {
        return error(ErrorCode::kNotAMember, "join the channel before sending to it");
    }
    const std::lock_guard ordered{send_order_};
    const auto started = std::chrono::steady_clock::now();
    const auto message = store_.appendMessage(NewMessage{
        .sid = makeSid("IM"),
        .channel_sid = channel->sid,
        .author = identity,
        .body = body->get<std::string>(),
        .attributes_json = *attributes,
        .now = clock_.now(),
    });
    if (!message) {
        return storeError(message.error());
    }
    metrics_.messageStored(std::chrono::steady_clock::now() - started);
    Json message_json = messageJson(*message);
    broker_.publish(channel->sid, std::make_shared<const std::string>(protocol::eventFrame(
                                      protocol::event::kMessage,
                                      {{"channel", channel->sid}, {"message", message_json}})));
    return Json{{"message", std::move(message_json)}};
}

OpResult ChatService::history(const std::string& identity, const protocol::Request& request) {
    const auto channel = visibleChannel(identity, request);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto before = protocol::optionalIntArg(request, "before");
    const auto after = protocol::optionalIntArg(request, "after");
    const auto limit = protocol::optionalIntArg(request, "limit");
    for (const auto* argument : {&before, &after, &limit}) {
        if (!*argument) {
            return argumentError(argument->error());
        }
    }
    if (before->has_value() && after->has_value()) {
        return error(ErrorCode::kInvalidArgument, "give before or after, not both");
    }
    const auto page = limit->value_or(static_cast<std::int64_t>(protocol::kDefaultHistoryLimit));
    if (page < 1 || page > static_cast<std::int64_t>(protocol::kMaxHistoryLimit)) {
        return error(ErrorCode::kInvalidArgument, "limit must be between 1 and 500");
    }
    const auto messages = store_.history(
        channel->sid,
        HistoryQuery{.before = *before, .after = *after, .limit = static_cast<std::size_t>(page)});
    if (!messages) {
        return storeError(messages.error());
    }
    Json out = Json::array();
    for (const Message& message : *messages) {
        out.push_back(messageJson(message));
    }
    return Json{{"messages", std::move(out)}};
}

} // namespace parley::server
