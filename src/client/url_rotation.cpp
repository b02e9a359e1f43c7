#include "client/url_rotation.hpp"

#include <stdexcept>
#include <utility>

namespace parley::client {

std::expected<std::vector<ServerUrl>, std::string>
parseServerUrls(const std::vector<std::string>& urls) {
    if (urls.empty()) {
        return std::unexpected("no server URL given");
    }
    if (urls.size() > kMaxServerUrls) {
        return std::unexpected("more than " + std::to_string(kMaxServerUrls) + " server URLs");
    }
    std::vector<ServerUrl> parsed;
    parsed.reserve(urls.size());
    for (const auto& text : urls) {
        auto url = parseWsUrl(text);
        if (!url) {
            return std::unexpected(text + ": " + url.error());
        }
        parsed.push_back(ServerUrl{.text = text, .url = std::move(*url)});
    }
    return parsed;
}

UrlRotation::UrlRotation(std::vector<ServerUrl> urls) : urls_(std::move(urls)) {
    if (urls_.empty()) {
        throw std::invalid_argument("UrlRotation: no URL");
    }
}

bool UrlRotation::failedAttempt() {
    advance();
    if (++failed_in_round_ < urls_.size()) {
        return false;
    }
    failed_in_round_ = 0;
    return true;
}

void UrlRotation::lostConnection() {
    advance();
    failed_in_round_ = 0;
}

} // namespace parley::client
