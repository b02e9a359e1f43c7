#include "client/ws_url.hpp"

#include <algorithm>

namespace parley::client {

std::expected<WsUrl, std::string> parseWsUrl(std::string_view url) {
    constexpr std::string_view kScheme = "ws://";
    constexpr std::string_view kTlsScheme = "wss://";
    if (url.size() > 2048) {
        return std::unexpected("the URL is longer than 2048 characters");
    }
    WsUrl out;
    out.tls = url.starts_with(kTlsScheme);
    if (!out.tls && !url.starts_with(kScheme)) {
        return std::unexpected("the URL must start with ws:// or wss://");
    }
    url.remove_prefix(out.tls ? kTlsScheme.size() : kScheme.size());
    const auto slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    out.target = slash == std::string_view::npos ? "/" : std::string{url.substr(slash)};
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
        out.host = std::string{authority};
        out.port = out.tls ? "443" : "80";
    } else {
        out.host = std::string{authority.substr(0, colon)};
        out.port = std::string{authority.substr(colon + 1)};
        const bool numeric =
            !out.port.empty() && out.port.size() <= 5 &&
            std::ranges::all_of(out.port, [](char c) { return c >= '0' && c <= '9'; });
        if (!numeric || std::stoi(out.port) > 65535) {
            return std::unexpected("the port must be a number from 0 to 65535");
        }
    }
    if (out.host.empty()) {
        return std::unexpected("the URL has no host");
    }
    return out;
}

} // namespace parley::client
