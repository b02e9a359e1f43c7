#include "client/wire_types.hpp"

#include <string>

namespace parley::client {
namespace {

using Json = nlohmann::json;

Error bad(const char* what) {
    return Error::client(ClientErrorCode::kBadReply, std::string{"malformed "} + what);
}

bool readString(const Json& json, const char* key, std::string& out) {
    const auto found = json.find(key);
    if (found == json.end() || !found->is_string()) {
        return false;
    }
    out = found->get<std::string>();
    return true;
}

bool readInt(const Json& json, const char* key, std::int64_t& out) {
    const auto found = json.find(key);
    if (found == json.end() || !found->is_number_integer()) {
        return false;
    }
    out = found->get<std::int64_t>();
    return true;
}

std::string attributesText(const Json& json) {
    const auto found = json.find("attributes");
    return found != json.end() && found->is_object() ? found->dump() : std::string{"{}"};
}

} // namespace

std::expected<Channel, Error> readChannel(const Json& json) {
    Channel channel;
    if (!json.is_object() || !readString(json, "sid", channel.sid) ||
        !readString(json, "unique_name", channel.unique_name) ||
        !readString(json, "type", channel.type)) {
        return std::unexpected(bad("channel"));
    }
    readString(json, "friendly_name", channel.friendly_name);
    readString(json, "created_by", channel.created_by);
    channel.attributes = attributesText(json);
    return channel;
}

std::expected<Message, Error> readMessage(const Json& json) {
    Message message;
    std::int64_t created = 0;
    if (!json.is_object() || !readString(json, "sid", message.sid) ||
        !readInt(json, "index", message.index) || message.index < 0 ||
        !readString(json, "channel", message.channel) ||
        !readString(json, "author", message.author) || !readString(json, "body", message.body)) {
        return std::unexpected(bad("message"));
    }
    readInt(json, "date_created", created);
    message.date_created = UnixMillis{std::chrono::milliseconds{created}};
    message.attributes = attributesText(json);
    return message;
}

std::expected<Member, Error> readMember(const Json& json) {
    Member member;
    std::int64_t joined = 0;
    if (!json.is_object() || !readString(json, "identity", member.identity)) {
        return std::unexpected(bad("member"));
    }
    readInt(json, "joined_at", joined);
    member.joined_at = UnixMillis{std::chrono::milliseconds{joined}};
    return member;
}

} // namespace parley::client
