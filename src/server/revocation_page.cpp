#include "server/revocation_page.hpp"

#include "token/base64url.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <tuple>

namespace parley::server {

namespace {

// Version 1 text: "1|r|<revoked_at>|<kind field>|<hash of the name, hex>".
constexpr std::string_view kPrefix = "1|r|";

// FNV-1a: a short, stable stand-in for a name of up to 1 KiB in a token of at most 256 bytes.
std::uint64_t nameHash(std::string_view name) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char byte : name) {
        hash = (hash ^ static_cast<unsigned char>(byte)) * 1099511628211ULL;
    }
    return hash;
}

using Position = std::tuple<std::int64_t, int, std::uint64_t>;

Position positionOf(const Revocation& revocation) {
    return {revocation.revoked_at.time_since_epoch().count(), static_cast<int>(revocation.kind),
            nameHash(revocation.value)};
}

std::string tokenFor(const Position& position) {
    const auto [revoked_at, kind, hash] = position;
    std::array<char, 16> hex{};
    const auto written = std::to_chars(hex.data(), hex.data() + hex.size(), hash, 16).ptr;
    return token::base64url::encode(std::string{kPrefix} + std::to_string(revoked_at) + "|" +
                                    std::to_string(kind) + "|" + std::string(hex.data(), written));
}

template <typename T> std::optional<T> number(std::string_view text, int base = 10) {
    T value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<Position> readToken(std::string_view page_token) {
    const auto text = token::base64url::decode(page_token);
    if (!text || !text->starts_with(kPrefix)) {
        return std::nullopt;
    }
    const std::string_view rest = std::string_view{*text}.substr(kPrefix.size());
    const std::size_t first = rest.find('|');
    const std::size_t second = rest.find('|', first == std::string_view::npos ? 0 : first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) {
        return std::nullopt;
    }
    const auto revoked_at = number<std::int64_t>(rest.substr(0, first));
    const auto kind = number<int>(rest.substr(first + 1, second - first - 1));
    const auto hash = number<std::uint64_t>(rest.substr(second + 1), 16);
    if (!revoked_at || !kind || !hash || *kind < 0 || *kind > 2) {
        return std::nullopt;
    }
    return Position{*revoked_at, *kind, *hash};
}

} // namespace

std::optional<RevocationPage> revocationPage(std::vector<Revocation> in_force,
                                             std::size_t page_size,
                                             const std::optional<std::string>& page_token) {
    std::ranges::sort(in_force, {}, positionOf);
    auto from = in_force.begin();
    if (page_token) {
        const auto after = readToken(*page_token);
        if (!after) {
            return std::nullopt;
        }
        from = std::ranges::upper_bound(in_force, *after, {}, positionOf);
    }
    RevocationPage page;
    const auto left = static_cast<std::size_t>(in_force.end() - from);
    const auto to = from + static_cast<std::ptrdiff_t>(std::min(left, page_size));
    page.revocations.assign(from, to);
    if (to != in_force.end() && !page.revocations.empty()) {
        page.next_page_token = tokenFor(positionOf(page.revocations.back()));
    }
    return page;
}

} // namespace parley::server
