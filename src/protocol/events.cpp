#include "protocol/events.hpp"

#include "protocol/frame.hpp"
#include "protocol/json_fields.hpp"
#include "protocol/json_text.hpp"
#include "protocol/names.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

namespace parley::protocol {

namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 5> kEventNames{{
    {EventKind::kTokenAboutToExpire, event::kTokenAboutToExpire},
    {EventKind::kTokenExpired, event::kTokenExpired},
    {EventKind::kMessage, event::kMessage},
    {EventKind::kMemberJoined, event::kMemberJoined},
    {EventKind::kMemberLeft, event::kMemberLeft},
}};

std::optional<std::int64_t> serverTime(const Json& frame) {
    auto value = fields::optionalInteger(frame, "server_time");
    return value ? *value : std::nullopt;
}

std::expected<ServerFrame, std::string> parseReply(Json frame) {
    const Json& id = frame["reply_to"];
    if (!id.is_number_unsigned()) {
        return std::unexpected("reply_to is not an unsigned integer");
    }
    Reply reply{.reply_to = id.get<std::uint64_t>(), .server_time = serverTime(frame)};
    const auto ok = frame.find("ok");
    if (ok == frame.end() || !ok->is_boolean()) {
        return std::unexpected("a reply without a boolean ok");
    }
    if (ok->get<bool>()) {
        reply.body = std::move(frame);
        return reply;
    }
    const Json* error = fields::find(frame, "error");
    if (error == nullptr || !error->is_object()) {
        return std::unexpected("a failed reply without an error object");
    }
    const Json* code = fields::find(*error, "code");
    if (code == nullptr || !code->is_number_integer()) {
        return std::unexpected("an error without an integer code");
    }
    auto message = fields::optionalString(*error, "message");
    reply.error = ReplyError{.code = code->get<int>(),
                             .message = message && *message ? std::move(**message) : ""};
    return reply;
}

} // namespace

std::string_view eventName(EventKind kind) {
    for (const auto& [known, name] : kEventNames) {
        if (known == kind) {
            return name;
        }
    }
    return {};
}

std::optional<EventKind> parseEventKind(std::string_view name) {
    for (const auto& [kind, known] : kEventNames) {
        if (known == name) {
            return kind;
        }
    }
    return std::nullopt;
}

namespace {

void appendInteger(std::string& out, std::int64_t value) {
    std::array<char, 24> digits{};
    const auto [end, error] = std::to_chars(digits.begin(), digits.end(), value);
    out.append(digits.begin(), end);
}

} // namespace

// Written field by field rather than built as a json object and dumped: the server makes one per
// message sent, on the thread that commits the channel's messages. The bytes are what
// eventFrame(kMessage, {channel, toJson(message)}) writes (keys in nlohmann's sorted order; the
// tests compare the two); the stored attributes are parsed and written again (no parse for "{}").
std::string messageEvent(const MessageObject& message) {
    std::string out;
    out.reserve(160 + message.body.size() + message.attributes_json.size());
    // `before` is the punctuation and key ahead of the value.
    const auto text = [&out](std::string_view before, std::string_view value) {
        out += before;
        appendJsonString(out, value);
    };
    const auto integer = [&out](std::string_view before, std::int64_t value) {
        out += before;
        appendInteger(out, value);
    };
    text(R"({"channel":)", message.channel);
    text(R"(,"event":)", event::kMessage);
    out += R"(,"message":{"attributes":)";
    appendCompactJson(out, fields::attributesObject(message.attributes_json));
    text(R"(,"author":)", message.author);
    text(R"(,"body":)", message.body);
    text(R"(,"channel":)", message.channel);
    integer(R"(,"date_created":)", message.date_created);
    integer(R"(,"index":)", message.index);
    text(R"(,"sid":)", message.sid);
    out += "}}";
    return out;
}

std::string memberEvent(EventKind kind, const MemberEvent& member) {
    return eventFrame(eventName(kind),
                      {{"channel", member.channel}, {"identity", member.identity}});
}

std::expected<ServerFrame, std::string> parseServerFrame(std::string_view text) {
    if (text.size() > kMaxServerFrameBytes) {
        return std::unexpected("the frame is larger than the client's limit");
    }
    Json frame = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!frame.is_object()) {
        return std::unexpected("the frame is not a JSON object");
    }
    if (frame.contains("reply_to")) {
        return parseReply(std::move(frame));
    }
    const Json* name = fields::find(frame, "event");
    if (name == nullptr || !name->is_string()) {
        return std::unexpected("the frame is neither a reply nor an event");
    }
    Event event{.kind = parseEventKind(name->get_ref<const std::string&>()),
                .name = name->get<std::string>(),
                .server_time = serverTime(frame)};
    event.body = std::move(frame);
    return event;
}

Decoded<MessageObject> readMessageEvent(const Json& body) {
    const Json* message = fields::find(body, "message");
    if (message == nullptr) {
        return shapeError("a message event without a message");
    }
    return readMessage(*message);
}

Decoded<MemberEvent> readMemberEvent(const Json& body) {
    auto channel = fields::string(body, "channel");
    auto identity = fields::string(body, "identity");
    if (!channel || !identity) {
        return shapeError("a member event without channel and identity");
    }
    return MemberEvent{.channel = std::move(*channel), .identity = std::move(*identity)};
}

Decoded<std::int64_t> readAboutToExpireEvent(const Json& body) {
    return fields::integer(body, "expires_at");
}

} // namespace parley::protocol
