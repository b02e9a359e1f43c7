#include "protocol/requests.hpp"

#include "protocol/json_fields.hpp"
#include "protocol/json_text.hpp"

#include <array>

namespace parley::protocol {

namespace {

// A request argument that names a channel, the most common shape.
Decoded<std::string> channelArg(const Json& frame) {
    return fields::string(frame, "channel");
}

template <typename R> Decoded<R> channelRequest(const Json& frame) {
    auto channel = channelArg(frame);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    return R{.channel = std::move(*channel)};
}

template <typename R> Decoded<R> tokenRequest(const Json& frame) {
    auto token = fields::string(frame, "token");
    if (!token) {
        return std::unexpected(token.error());
    }
    return R{.token = std::move(*token)};
}

} // namespace

Json encodeArgs(const InitRequest& request) {
    return {{"token", request.token}};
}

Json encodeArgs(const UpdateTokenRequest& request) {
    return {{"token", request.token}};
}

Json encodeArgs(const ChannelCreateRequest& request) {
    Json args{{"unique_name", request.unique_name}, {"type", channelTypeName(request.type)}};
    if (request.friendly_name) {
        args["friendly_name"] = *request.friendly_name;
    }
    if (request.attributes_json != "{}") {
        args["attributes"] = fields::attributesObject(request.attributes_json);
    }
    return args;
}

Json encodeArgs(const ChannelListRequest& request) {
    Json args = Json::object();
    writePageArgs(request.page, args);
    return args;
}

Json encodeArgs(const ChannelJoinRequest& request) {
    return {{"channel", request.channel}};
}

Json encodeArgs(const ChannelLeaveRequest& request) {
    return {{"channel", request.channel}};
}

Json encodeArgs(const ChannelMembersRequest& request) {
    return {{"channel", request.channel}};
}

Json encodeArgs(const ChannelAddMemberRequest& request) {
    return {{"channel", request.channel}, {"identity", request.identity}};
}

Json encodeArgs(const MessageSendRequest& request) {
    Json args{{"channel", request.channel}, {"body", request.body}};
    if (request.attributes_json != "{}") {
        args["attributes"] = fields::attributesObject(request.attributes_json);
    }
    return args;
}

Json encodeArgs(MessageSendRequest&& request) {
    Json args{{"channel", std::move(request.channel)}, {"body", std::move(request.body)}};
    if (request.attributes_json != "{}") {
        args["attributes"] = fields::attributesObject(request.attributes_json);
    }
    return args;
}

Json encodeArgs(const MessageHistoryRequest& request) {
    Json args{{"channel", request.channel}};
    const std::array<std::pair<const char*, const std::optional<std::int64_t>*>, 3> optional{
        {{"before", &request.before}, {"after", &request.after}, {"limit", &request.limit}}};
    for (const auto& [name, value] : optional) {
        if (value->has_value()) {
            args[name] = **value;
        }
    }
    return args;
}

Json encodeArgs(const PingRequest& /*request*/) {
    return Json::object();
}

std::string encodeRequest(std::uint64_t id, std::string_view op, Json args) {
    args["id"] = id;
    args["op"] = op;
    return compactJson(args);
}

template <> Decoded<InitRequest> decodeArgs(const Json& frame) {
    return tokenRequest<InitRequest>(frame);
}

template <> Decoded<UpdateTokenRequest> decodeArgs(const Json& frame) {
    return tokenRequest<UpdateTokenRequest>(frame);
}

template <> Decoded<ChannelCreateRequest> decodeArgs(const Json& frame) {
    auto unique_name = fields::string(frame, "unique_name");
    auto friendly_name = fields::optionalString(frame, "friendly_name");
    auto type_name = fields::optionalString(frame, "type");
    if (!unique_name || !friendly_name || !type_name) {
        return std::unexpected(!unique_name     ? unique_name.error()
                               : !friendly_name ? friendly_name.error()
                                                : type_name.error());
    }
    // A name is shown in every member's channel list; unbounded ones made one identity's
    // channels a 72 MB list for everyone.
    if (unique_name->size() > kMaxChannelNameBytes ||
        (*friendly_name && (*friendly_name)->size() > kMaxChannelNameBytes)) {
        return shapeError("unique_name and friendly_name must be at most " +
                          std::to_string(kMaxChannelNameBytes) + " bytes");
    }
    const auto type = parseChannelType(type_name->value_or("public"));
    if (!type) {
        return shapeError(R"(type must be "public" or "private")");
    }
    auto attributes = fields::attributes(frame, kMaxAttributesBytes);
    if (!attributes) {
        return std::unexpected(attributes.error());
    }
    return ChannelCreateRequest{.unique_name = std::move(*unique_name),
                                .friendly_name = std::move(*friendly_name),
                                .type = *type,
                                .attributes_json = std::move(*attributes)};
}

template <> Decoded<ChannelListRequest> decodeArgs(const Json& frame) {
    auto page = readPageArgs(frame);
    if (!page) {
        return std::unexpected(page.error());
    }
    return ChannelListRequest{.page = std::move(*page)};
}

template <> Decoded<ChannelJoinRequest> decodeArgs(const Json& frame) {
    return channelRequest<ChannelJoinRequest>(frame);
}

template <> Decoded<ChannelLeaveRequest> decodeArgs(const Json& frame) {
    return channelRequest<ChannelLeaveRequest>(frame);
}

template <> Decoded<ChannelMembersRequest> decodeArgs(const Json& frame) {
    return channelRequest<ChannelMembersRequest>(frame);
}

template <> Decoded<ChannelAddMemberRequest> decodeArgs(const Json& frame) {
    auto channel = channelArg(frame);
    auto identity = fields::string(frame, "identity");
    if (!channel || !identity) {
        return std::unexpected(!channel ? channel.error() : identity.error());
    }
    return ChannelAddMemberRequest{.channel = std::move(*channel),
                                   .identity = std::move(*identity)};
}

template <> Decoded<MessageSendRequest> decodeArgs(const Json& frame) {
    auto channel = channelArg(frame);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    auto body = fields::string(frame, "body", /*non_empty=*/false);
    if (!body) {
        return shapeError("body must be a string");
    }
    if (body->size() > kMaxBodyBytes) {
        return shapeError(std::string{describe(ErrorCode::kBodyTooLarge)},
                          ErrorCode::kBodyTooLarge);
    }
    auto attributes = fields::attributes(frame, kMaxAttributesBytes);
    if (!attributes) {
        return std::unexpected(attributes.error());
    }
    return MessageSendRequest{.channel = std::move(*channel),
                              .body = std::move(*body),
                              .attributes_json = std::move(*attributes)};
}

template <> Decoded<MessageHistoryRequest> decodeArgs(const Json& frame) {
    auto channel = channelArg(frame);
    auto before = fields::optionalInteger(frame, "before");
    auto after = fields::optionalInteger(frame, "after");
    auto limit = fields::optionalInteger(frame, "limit");
    if (!channel) {
        return std::unexpected(channel.error());
    }
    for (const auto* argument : {&before, &after, &limit}) {
        if (!*argument) {
            return std::unexpected(argument->error());
        }
    }
    return MessageHistoryRequest{
        .channel = std::move(*channel), .before = *before, .after = *after, .limit = *limit};
}

template <> Decoded<PingRequest> decodeArgs(const Json& /*frame*/) {
    return PingRequest{};
}

} // namespace parley::protocol
