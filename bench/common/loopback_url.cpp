#include "loopback_url.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <string_view>

namespace parley::bench {

std::expected<Endpoint, std::string> parseLoopbackUrl(const std::string& url) {
    constexpr std::string_view kScheme = "ws://";
    if (!url.starts_with(kScheme)) {
        return std::unexpected("URL must start with ws://: " + url);
    }
    const std::string_view rest = std::string_view{url}.substr(kScheme.size());
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) {
        return std::unexpected("URL needs an explicit port: " + url);
    }
    const auto slash = rest.find('/', colon);
    boost::system::error_code error;
    const auto host = boost::asio::ip::make_address_v4(rest.substr(0, colon), error);
    if (error || host.to_bytes()[0] != 127) {
        return std::unexpected("URL must name a 127.0.0.0/8 address (loopback only): " + url);
    }
    const std::string_view port_text = rest.substr(colon + 1, slash - colon - 1);
    unsigned port = 0;
    const auto [end, failed] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (failed != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
        return std::unexpected("URL has no valid port: " + url);
    }
    Endpoint endpoint{.host = host, .port = static_cast<std::uint16_t>(port)};
    if (slash != std::string_view::npos) {
        endpoint.target = std::string{rest.substr(slash)};
    }
    return endpoint;
}

} // namespace parley::bench
