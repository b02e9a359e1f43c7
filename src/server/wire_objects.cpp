#include "server/wire_objects.hpp"

namespace parley::server {
namespace {

std::int64_t millis(UnixMillis time) {
    return time.time_since_epoch().count();
}

} // namespace

protocol::ChannelObject toWire(const Channel& channel) {
    return {
        .sid = channel.sid,
        .unique_name = channel.unique_name,
        .friendly_name = channel.friendly_name,
        .type = channel.type,
        .attributes_json = channel.attributes_json,
        .created_by = channel.created_by,
        .date_created = millis(channel.date_created),
    };
}

protocol::MemberObject toWire(const Member& member) {
    return {.identity = member.identity, .joined_at = millis(member.joined_at)};
}

protocol::MessageObject toWire(const Message& message) {
    return {
        .sid = message.sid,
        .index = message.index,
        .channel = message.channel_sid,
        .author = message.author,
        .body = message.body,
        .attributes_json = message.attributes_json,
        .date_created = millis(message.date_created),
    };
}

} // namespace parley::server
