#pragma once

// The servers a bench program is pointed at by URL: "ws://127.x.y.z:PORT/PATH" only, since these
// programs never leave loopback.

#include "chat_socket.hpp"

#include <expected>
#include <string>

namespace parley::bench {

/// Parses "ws://HOST:PORT[/PATH]" with HOST in 127.0.0.0/8 and an explicit port; the path
/// defaults to /v1/ws. The error says what is wrong.
std::expected<Endpoint, std::string> parseLoopbackUrl(const std::string& url);

} // namespace parley::bench
