#pragma once

// The chat objects of the wire protocol (docs/protocol.md, "Objects"): channel, member and
// message, as replies, events and the REST API carry them. The server fills them from its store,
// the C++ client reads them into the SDK's types; this file is the one spelling of their fields.
// Times are unix milliseconds; attributes travel as a JSON object and are held as compact text.

#include "protocol/shape_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

using Json = nlohmann::json;

enum class ChannelType {
    kPublic,
    kPrivate,
};

/// "public" or "private".
std::string_view channelTypeName(ChannelType type);
std::optional<ChannelType> parseChannelType(std::string_view name);

struct ChannelObject {
    std::string sid; // CH + 32 hex
    std::string unique_name;
    std::string friendly_name;
    ChannelType type = ChannelType::kPublic;
    std::string attributes_json = "{}";
    std::string created_by;
    std::int64_t date_created = 0;

    bool operator==(const ChannelObject&) const = default;
};

struct MemberObject {
    std::string identity;
    std::int64_t joined_at = 0;

    bool operator==(const MemberObject&) const = default;
};

struct MessageObject {
    std::string sid; // IM + 32 hex
    std::int64_t index = 0;
    std::string channel; // the channel's SID
    std::string author;
    std::string body;
    std::string attributes_json = "{}";
    std::int64_t date_created = 0;

    bool operator==(const MessageObject&) const = default;
};

Json toJson(const ChannelObject& channel);
Json toJson(const MemberObject& member);
Json toJson(const MessageObject& message);

/// Readers for objects that came from the network: they check every field's type.
Decoded<ChannelObject> readChannel(const Json& json);
Decoded<MemberObject> readMember(const Json& json);
Decoded<MessageObject> readMessage(const Json& json);

} // namespace parley::protocol
