#include "server/chat_json.hpp"

namespace parley::server {
namespace {

std::int64_t millis(UnixMillis time) {
    return time.time_since_epoch().count();
}

// Attributes are stored as validated compact JSON; parse back so they nest as objects.
protocol::Json attributes(const std::string& json) {
    auto parsed = protocol::Json::parse(json, nullptr, false);
    return parsed.is_object() ? parsed : protocol::Json::object();
}

} // namespace

protocol::Json channelJson(const Channel& channel) {
    return {
        {"sid", channel.sid},
        {"unique_name", channel.unique_name},
        {"friendly_name", channel.friendly_name},
        {"type", channelTypeName(channel.type)},
        {"attributes", attributes(channel.attributes_json)},
        {"created_by", channel.created_by},
        {"date_created", millis(channel.date_created)},
    };
}

protocol::Json memberJson(const Member& member) {
    return {{"identity", member.identity}, {"joined_at", millis(member.joined_at)}};
}

protocol::Json messageJson(const Message& message) {
    return {
        {"sid", message.sid},
        {"index", message.index},
        {"channel", message.channel_sid},
        {"author", message.author},
        {"body", message.body},
        {"attributes", attributes(message.attributes_json)},
        {"date_created", millis(message.date_created)},
    };
}

} // namespace parley::server
