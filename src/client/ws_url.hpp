#pragma once

// `ws://host:port/path` or `wss://...` split into what a TCP connect, a TLS handshake and a
// WebSocket handshake need.

#include <expected>
#include <string>
#include <string_view>

namespace parley::client {

struct WsUrl {
    std::string host;
    std::string port; // a service name or number, as the resolver takes it
    std::string target;
    /// wss://: TLS, the server's certificate verified for `host`.
    bool tls = false;
};

/// Fails with a message for anything but `ws://HOST[:PORT][/PATH]` or `wss://...` (default
/// ports 80 and 443).
std::expected<WsUrl, std::string> parseWsUrl(std::string_view url);

} // namespace parley::client
