#include "protocol/objects.hpp"

#include "protocol/json_fields.hpp"

namespace parley::protocol {

std::string_view channelTypeName(ChannelType type) {
    return type == ChannelType::kPrivate ? "private" : "public";
}

std::optional<ChannelType> parseChannelType(std::string_view name) {
    if (name == "public") {
        return ChannelType::kPublic;
    }
    if (name == "private") {
        return ChannelType::kPrivate;
    }
    return std::nullopt;
}

Json toJson(const ChannelObject& channel) {
    return {
        {"sid", channel.sid},
        {"unique_name", channel.unique_name},
        {"friendly_name", channel.friendly_name},
        {"type", channelTypeName(channel.type)},
        {"attributes", fields::attributesObject(channel.attributes_json)},
        {"created_by", channel.created_by},
        {"date_created", channel.date_created},
    };
}

Json toJson(const MemberObject& member) {
    return {{"identity", member.identity}, {"joined_at", member.joined_at}};
}

Json toJson(const MessageObject& message) {
    return {
        {"sid", message.sid},
        {"index", message.index},
        {"channel", message.channel},
        {"author", message.author},
        {"body", message.body},
        {"attributes", fields::attributesObject(message.attributes_json)},
        {"date_created", message.date_created},
    };
}

namespace {

// Fields the protocol documents as always present but that a reader can do without.
std::string stringOr(const Json& json, std::string_view name) {
    auto value = fields::optionalString(json, name);
    return value && *value ? std::move(**value) : std::string{};
}

std::int64_t integerOr(const Json& json, std::string_view name) {
    auto value = fields::optionalInteger(json, name);
    return value && *value ? **value : 0;
}

// Attributes a peer sent: any object, whatever its size (the sender enforced its limits).
std::string attributesText(const Json& json) {
    const Json* value = fields::find(json, "attributes");
    return value != nullptr && value->is_object() ? value->dump() : std::string{"{}"};
}

} // namespace

Decoded<ChannelObject> readChannel(const Json& json) {
    auto sid = fields::string(json, "sid");
    auto unique_name = fields::string(json, "unique_name", false);
    auto type_name = fields::string(json, "type");
    if (!sid || !unique_name || !type_name) {
        return shapeError("malformed channel");
    }
    const auto type = parseChannelType(*type_name);
    if (!type) {
        return shapeError("malformed channel: unknown type");
    }
    return ChannelObject{
        .sid = std::move(*sid),
        .unique_name = std::move(*unique_name),
        .friendly_name = stringOr(json, "friendly_name"),
        .type = *type,
        .attributes_json = attributesText(json),
        .created_by = stringOr(json, "created_by"),
        .date_created = integerOr(json, "date_created"),
    };
}

Decoded<MemberObject> readMember(const Json& json) {
    auto identity = fields::string(json, "identity");
    if (!identity) {
        return shapeError("malformed member");
    }
    return MemberObject{.identity = std::move(*identity),
                        .joined_at = integerOr(json, "joined_at")};
}

Decoded<MessageObject> readMessage(const Json& json) {
    auto sid = fields::string(json, "sid");
    auto index = fields::integer(json, "index");
    auto channel = fields::string(json, "channel");
    auto author = fields::string(json, "author");
    auto body = fields::string(json, "body", false);
    if (!sid || !index || *index < 0 || !channel || !author || !body) {
        return shapeError("malformed message");
    }
    return MessageObject{
        .sid = std::move(*sid),
        .index = *index,
        .channel = std::move(*channel),
        .author = std::move(*author),
        .body = std::move(*body),
        .attributes_json = attributesText(json),
        .date_created = integerOr(json, "date_created"),
    };
}

} // namespace parley::protocol
