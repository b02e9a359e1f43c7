#include "client/ws_url.hpp"

#include "protocol/names.hpp"

#include <algorithm>

namespace parley::client {

namespace {

// HOST[:PORT] into `out`, HOST possibly an IPv6 address in brackets; out.tls (set already)
// picks the default port.
std::expected<void, std::string> parseAuthority(std::string_view authority, WsUrl& out) {
    // An IPv6 address is bracketed, so its own colons are not taken for the port's.
    const auto closing = authority.starts_with('[') ? authority.find(']') : 0;
    if (closing == std::string_view::npos) {
        return std::unexpected("the URL's IPv6 address has no closing ]");
    }
    const auto colon = authority.find(':', closing);
    const auto host = authority.substr(0, colon);
    if (closing > 0 && host.size() != closing + 1) {
        return std::unexpected("the URL has text between ] and the port");
    }
    out.host = std::string{closing > 0 ? host.substr(1, closing - 1) : host};
    if (out.host.empty()) {
        return std::unexpected("the URL has no host");
    }
    const auto default_port = out.tls ? "443" : "80";
    out.port = colon == std::string_view::npos ? std::string{default_port}
                                               : std::string{authority.substr(colon + 1)};
    const bool numeric = !out.port.empty() && out.port.size() <= 5 &&
                         std::ranges::all_of(out.port, [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || std::stoi(out.port) > 65535) {
        return std::unexpected("the port must be a number from 0 to 65535");
    }
    return {};
}

// What a URL without ws:// or wss:// most likely meant: the server's HTTP address (its page and
// its socket share host and port), or a bare HOST:PORT. Empty when there is no good guess.
std::string likelyWsUrl(std::string_view url) {
    constexpr std::string_view kHttp = "http://";
    constexpr std::string_view kHttps = "https://";
    if (url.starts_with(kHttp)) {
        return "ws://" + std::string{url.substr(kHttp.size())};
    }
    if (url.starts_with(kHttps)) {
        return "wss://" + std::string{url.substr(kHttps.size())};
    }
    if (url.empty() || url.find("://") != std::string_view::npos) {
        return {};
    }
    return "ws://" + std::string{url} +
           std::string{url.find('/') == std::string_view::npos ? protocol::kWebSocketPath : ""};
}

} // namespace

std::expected<WsUrl, std::string> parseWsUrl(std::string_view url) {
    constexpr std::string_view kScheme = "ws://";
    constexpr std::string_view kTlsScheme = "wss://";
    if (url.size() > 2048) {
        return std::unexpected("the URL is longer than 2048 characters");
    }
    WsUrl out;
    out.tls = url.starts_with(kTlsScheme);
    if (!out.tls && !url.starts_with(kScheme)) {
        const std::string likely = likelyWsUrl(url);
        return std::unexpected("the URL must start with ws:// or wss://" +
                               (likely.empty() ? "" : " (did you mean " + likely + "?)"));
    }
    url.remove_prefix(out.tls ? kTlsScheme.size() : kScheme.size());
    const auto slash = url.find('/');
    out.target = slash == std::string_view::npos ? "/" : std::string{url.substr(slash)};
    if (auto parsed = parseAuthority(url.substr(0, slash), out); !parsed) {
        return std::unexpected(std::move(parsed.error()));
    }
    return out;
}

} // namespace parley::client
