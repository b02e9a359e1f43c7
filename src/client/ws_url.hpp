#pragma once

// `ws://host:port/path` or `wss://...` split into what a TCP connect, a TLS handshake and a
// WebSocket handshake need.

#include <expected>
#include <string>
#include <string_view>

namespace parley::client {

struct WsUrl {
    std::string host; // an IPv6 address without its brackets, as the resolver takes it
    std::string port; // a service name or number, as the resolver takes it
    std::string target;
    /// wss://: TLS, the server's certificate verified for `host`.
    bool tls = false;

    /// `host:port` for the HTTP Host header, an IPv6 address in brackets.
    std::string hostHeader() const {
        return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
    }
};

/// Fails with a message for anything but `ws://HOST[:PORT][/PATH]` or `wss://...` (default
/// ports 80 and 443), HOST a name, an IPv4 address or an IPv6 one in brackets
/// (`ws://[::1]:8080/v1/ws`).
std::expected<WsUrl, std::string> parseWsUrl(std::string_view url);

} // namespace parley::client
