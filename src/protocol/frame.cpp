#include "protocol/frame.hpp"

#include "protocol/json_text.hpp"
#include "protocol/names.hpp"

#include <array>
#include <utility>

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

// Written around `fields`, not from a copy of them merged with reply_to and ok (a history page
// is a megabyte): the same text, keys in the sorted order nlohmann keeps.
std::string okReply(std::uint64_t id, const Json& fields) {
    if (!fields.is_object() || fields.contains("reply_to") || fields.contains("ok")) {
        Json reply = {{"reply_to", id}, {"ok", true}};
        reply.update(fields);
        return compactJson(reply);
    }
    const std::array<std::pair<std::string_view, Json>, 2> own = {{{"ok", true}, {"reply_to", id}}};
    std::string out = "{";
    const auto member = [&out](std::string_view key, const Json& value) {
        if (out.size() > 1) {
            out += ',';
        }
        appendJsonString(out, key);
        out += ':';
        appendCompactJson(out, value);
    };
    auto next_own = own.begin();
    for (auto field = fields.begin(); field != fields.end(); ++field) {
        for (; next_own != own.end() && next_own->first < field.key(); ++next_own) {
            member(next_own->first, next_own->second);
        }
        member(field.key(), field.value());
    }
    for (; next_own != own.end(); ++next_own) {
        member(next_own->first, next_own->second);
    }
    out += '}';
    return out;
}

std::string errorReply(std::optional<std::uint64_t> id, int code, std::string_view message) {
    Json reply = {{"reply_to", id ? Json(*id) : Json(nullptr)},
                  {"ok", false},
                  {"error", {{"code", code}, {"message", message}}}};
    return compactJson(reply);
}

std::string eventFrame(std::string_view name, const Json& fields) {
    Json event = {{"event", name}};
    event.update(fields);
    return compactJson(event);
}

} // namespace parley::protocol
