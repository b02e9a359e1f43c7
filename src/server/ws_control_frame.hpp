#pragma once

// Server control frames (RFC 6455, 5.5): close, ping and pong, unmasked as every server frame is,
// whole and ready to queue. Without Beast's websocket::stream the session answers pings and
// closes itself; these are the bytes it sends.

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::server {

/// The most payload a control frame may carry.
inline constexpr std::size_t kMaxControlPayload = 125;

/// A close frame with `code` and `reason`. The reason is cut to the 123 bytes that fit beside the
/// code, at a UTF-8 character boundary, so a long reason still gives a valid frame.
std::string closeFrame(std::uint16_t code, std::string_view reason);

/// A pong echoing `payload`, as RFC 6455 5.5.3 asks for a ping's; at most 125 bytes are kept.
std::string pongFrame(std::string_view payload);

/// A ping carrying `payload`; at most 125 bytes are kept.
std::string pingFrame(std::string_view payload);

} // namespace parley::server
