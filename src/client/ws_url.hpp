#pragma once

// `ws://host:port/path` split into what a TCP connect and a WebSocket handshake need.

#include <expected>
#include <string>
#include <string_view>

namespace parley::client {

struct WsUrl {
    std::string host;
    std::string port; // a service name or number, as the resolver takes it
    std::string target;
};

/// Fails with a message for anything but `ws://HOST[:PORT][/PATH]` (wss is not supported: run
/// the server behind a TLS proxy and point the client at the proxy through a local tunnel).
std::expected<WsUrl, std::string> parseWsUrl(std::string_view url);

} // namespace parley::client
