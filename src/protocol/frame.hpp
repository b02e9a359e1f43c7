#pragma once

// Client frames in, replies and events out: the JSON shapes of the wire protocol.
//   request: {"id": <uint>, "op": "<op>", ...arguments}
//   reply:   {"reply_to": <id>, "ok": true, ...} | {"reply_to": <id>, "ok": false, "error": {...}}
//   event:   {"event": "<name>", ...}

#include "protocol/codes.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

using Json = nlohmann::json;

struct Request {
    std::uint64_t id = 0;
    std::string op;
    /// The whole frame; arguments are its other members.
    Json frame;
};

/// A frame that could not be taken as a request. `id` is set when the frame had a usable one,
/// so the error can still be correlated.
struct FrameError {
    std::optional<std::uint64_t> id;
    ErrorCode code = ErrorCode::kMalformedFrame;
    std::string message;
};

/// Parses a text frame. Never throws. Frames over kMaxFrameBytes are refused here too, so the
/// function is safe on its own (the WebSocket layer enforces the same limit first).
std::expected<Request, FrameError> parseRequest(std::string_view text);

/// Serialized frames, ready to send. Invalid UTF-8 in a string is replaced, never thrown.
std::string okReply(std::uint64_t id, const Json& fields = Json::object());
std::string errorReply(std::optional<std::uint64_t> id, int code, std::string_view message);
std::string eventFrame(std::string_view name, const Json& fields = Json::object());

} // namespace parley::protocol
