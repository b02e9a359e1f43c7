#include "protocol/frame.hpp"

#include "protocol/names.hpp"

namespace parley::protocol {

std::expected<Request, FrameError> parseRequest(std::string_view text) {
    if (text.size() > kMaxFrameBytes) {
        return std::unexpected(FrameError{.message = "frame larger than 64 KiB"});
    }
    Json frame = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (frame.is_discarded()) {
        return std::unexpected(FrameError{.message = "frame is not valid JSON"});
    }
    if (!frame.is_object()) {
        return std::unexpected(FrameError{.message = "frame is not a JSON object"});
    }
    const auto id = frame.find("id");
    if (id == frame.end() || !id->is_number_unsigned()) {
        return std::unexpected(FrameError{.message = "frame has no unsigned integer id"});
    }
    Request request{.id = id->get<std::uint64_t>()};
    const auto op = frame.find("op");
    if (op == frame.end() || !op->is_string()) {
        return std::unexpected(FrameError{.id = request.id, .message = "frame has no string op"});
    }
    request.op = op->get<std::string>();
    request.frame = std::move(frame);
    return request;
}

std::string okReply(std::uint64_t id, const Json& fields) {
    Json reply = {{"reply_to", id}, {"ok", true}};
    reply.update(fields);
    return reply.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string errorReply(std::optional<std::uint64_t> id, int code, std::string_view message) {
    Json reply = {{"reply_to", id ? Json(*id) : Json(nullptr)},
                  {"ok", false},
                  {"error", {{"code", code}, {"message", message}}}};
    return reply.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string eventFrame(std::string_view name, const Json& fields) {
    Json event = {{"event", name}};
    event.update(fields);
    return event.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace parley::protocol
