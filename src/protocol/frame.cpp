#include "protocol/frame.hpp"

#include "protocol/names.hpp"

namespace parley::protocol {
namespace {

std::unexpected<FrameError> invalid(const Request& request, std::string message) {
    return std::unexpected(FrameError{
        .id = request.id, .code = ErrorCode::kInvalidArgument, .message = std::move(message)});
}

const Json* member(const Request& request, const char* name) {
    const auto found = request.frame.find(name);
    return found == request.frame.end() || found->is_null() ? nullptr : &*found;
}

} // namespace

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

std::expected<std::string, FrameError> stringArg(const Request& request, const char* name) {
    const Json* value = member(request, name);
    if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
        return invalid(request, std::string{name} + " must be a non-empty string");
    }
    return value->get<std::string>();
}

std::expected<std::optional<std::string>, FrameError> optionalStringArg(const Request& request,
                                                                        const char* name) {
    const Json* value = member(request, name);
    if (value == nullptr) {
        return std::optional<std::string>{};
    }
    if (!value->is_string()) {
        return invalid(request, std::string{name} + " must be a string");
    }
    return std::optional<std::string>{value->get<std::string>()};
}

std::expected<std::optional<std::int64_t>, FrameError> optionalIntArg(const Request& request,
                                                                      const char* name) {
    const Json* value = member(request, name);
    if (value == nullptr) {
        return std::optional<std::int64_t>{};
    }
    if (!value->is_number_integer()) {
        return invalid(request, std::string{name} + " must be an integer");
    }
    if (value->is_number_unsigned() && value->get<std::uint64_t>() > INT64_MAX) {
        return invalid(request, std::string{name} + " is out of range");
    }
    return std::optional<std::int64_t>{value->get<std::int64_t>()};
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
