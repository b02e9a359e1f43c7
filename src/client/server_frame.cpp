#include "client/server_frame.hpp"

namespace parley::client {
namespace {

std::optional<std::int64_t> serverTime(const Json& frame) {
    const auto found = frame.find("server_time");
    if (found != frame.end() && found->is_number_integer()) {
        return found->get<std::int64_t>();
    }
    return std::nullopt;
}

std::expected<ServerFrame, std::string> parseReply(Json frame) {
    const auto& id = frame["reply_to"];
    if (!id.is_number_unsigned()) {
        return std::unexpected("reply_to is not an unsigned integer");
    }
    Reply reply{.reply_to = id.get<std::uint64_t>(),
                .body = {},
                .error = {},
                .server_time = serverTime(frame)};
    const auto ok = frame.find("ok");
    if (ok == frame.end() || !ok->is_boolean()) {
        return std::unexpected("a reply without a boolean ok");
    }
    if (ok->get<bool>()) {
        reply.body = std::move(frame);
        return reply;
    }
    const auto error = frame.find("error");
    if (error == frame.end() || !error->is_object()) {
        return std::unexpected("a failed reply without an error object");
    }
    const auto code = error->find("code");
    const auto message = error->find("message");
    if (code == error->end() || !code->is_number_integer()) {
        return std::unexpected("an error without an integer code");
    }
    reply.error = Error{.code = code->get<int>(),
                        .message = message != error->end() && message->is_string()
                                       ? message->get<std::string>()
                                       : std::string{}};
    return reply;
}

} // namespace

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
    const auto name = frame.find("event");
    if (name == frame.end() || !name->is_string()) {
        return std::unexpected("the frame is neither a reply nor an event");
    }
    Event event{.name = name->get<std::string>(), .body = {}, .server_time = serverTime(frame)};
    event.body = std::move(frame);
    return event;
}

} // namespace parley::client
