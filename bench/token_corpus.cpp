#include "token_corpus.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>

namespace parley::bench {
namespace {

// Fixed rather than random so every run mints byte-for-byte the same grants; only `jti` differs.
constexpr std::string_view kKeySid = "SK2b9e0c1f4a7d4e6b8c3f5a1d0e9b7c64";
constexpr std::string_view kAccountSid = "AC5d3e8f0a2b4c4d6e8f1a3b5c7d9e0f12";
constexpr std::string_view kSecret = "q8Vf3mZr0LxT6nKp2WcY9bHs4JdGa7Ue";
constexpr std::string_view kChatServiceSid = "IS8c1d2e3f4a5b4c6d8e0f1a2b3c4d5e6f";
constexpr std::string_view kSyncServiceSid = "IS1f0e9d8c7b6a4f5e8d3c2b1a0f9e8d7c";

// A deterministic stand-in for the per-install id a client SDK puts in its endpoint id.
std::string deviceId(std::size_t index) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::uint64_t state = 0x9e3779b97f4a7c15U * (index + 1);
    std::string id;
    for (std::size_t i = 0; i < 8; ++i) {
        state ^= state >> 29;
        state *= 0xbf58476d1ce4e5b9U;
        id += kHex[state >> 60];
    }
    return id;
}

std::optional<std::uint8_t> base64urlValue(char c) {
    if (c >= 'A' && c <= 'Z') {
        return static_cast<std::uint8_t>(c - 'A');
    }
    if (c >= 'a' && c <= 'z') {
        return static_cast<std::uint8_t>(c - 'a' + 26);
    }
    if (c >= '0' && c <= '9') {
        return static_cast<std::uint8_t>(c - '0' + 52);
    }
    if (c == '-') {
        return std::uint8_t{62};
    }
    if (c == '_') {
        return std::uint8_t{63};
    }
    return std::nullopt;
}

// Setup only, never timed; deliberately independent of Parley's own decoder under test.
std::string decodeBase64url(std::string_view text) {
    std::string bytes;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const auto value = base64urlValue(c);
        if (!value) {
            failSetup("signature segment is not base64url");
        }
        buffer = (buffer << 6) | *value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes += static_cast<char>((buffer >> bits) & 0xffU);
        }
    }
    return bytes;
}

} // namespace

token::ApiKey benchApiKey() {
    return token::ApiKey{
        .sid = std::string{kKeySid},
        .account_sid = std::string{kAccountSid},
        .secret = std::string{kSecret},
    };
}

std::string chatServiceSid() {
    return std::string{kChatServiceSid};
}

std::string identityFor(std::size_t index) {
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "user-%05zu@example.com", index);
    return buffer.data();
}

token::AccessTokenBuilder tokenBuilder(std::size_t index, token::Algorithm algorithm) {
    const std::string identity = identityFor(index);
    // Short device-scoped endpoint ids keep the token near 700 bytes; the Twilio-documented
    // "app:identity:device" form would push it past 800 without exercising anything new.
    const std::string endpoint = "parley-web-" + deviceId(index);
    token::AccessTokenBuilder builder{benchApiKey()};
    builder.identity(identity)
        .algorithm(algorithm)
        .chat(token::ChatGrant{
            .service_sid = std::string{kChatServiceSid},
            .endpoint_id = endpoint,
            // Spelled out because g++ 12's -Wmissing-field-initializers flags omitted trailing
            // members even in designated initializers.
            .deployment_role_sid = std::nullopt,
            .push_credential_sid = std::nullopt,
        })
        .sync(token::SyncGrant{
            .service_sid = std::string{kSyncServiceSid},
            .endpoint_id = endpoint,
        });
    return builder;
}

TokenCorpus mintCorpus(token::Algorithm algorithm, const token::Clock& clock) {
    TokenCorpus corpus;
    corpus.tokens.reserve(kTokenCount);
    for (std::size_t index = 0; index < kTokenCount; ++index) {
        auto minted = tokenBuilder(index, algorithm).mint(clock);
        if (!minted) {
            failSetup("mint failed: " + minted.error().message);
        }
        corpus.tokens.push_back(std::move(*minted));
        corpus.identities.push_back(identityFor(index));
    }
    // Split only after `tokens` stops growing: the views point into its strings.
    for (const std::string& token : corpus.tokens) {
        const auto last_dot = token.rfind('.');
        if (last_dot == std::string::npos || std::ranges::count(token, '.') != 2) {
            failSetup("minted token is not three segments: " + token);
        }
        corpus.signing_inputs.emplace_back(token.data(), last_dot);
        corpus.signatures.push_back(decodeBase64url(std::string_view{token}.substr(last_dot + 1)));
    }
    const std::size_t distinct = [&] {
        std::vector<std::string> sorted = corpus.tokens;
        std::ranges::sort(sorted);
        return static_cast<std::size_t>(std::ranges::unique(sorted).begin() - sorted.begin());
    }();
    if (distinct != kTokenCount) {
        failSetup("minted tokens are not all distinct");
    }
    return corpus;
}

std::size_t TokenCorpus::smallestToken() const {
    return std::ranges::min(tokens, {}, &std::string::size).size();
}

std::size_t TokenCorpus::largestToken() const {
    return std::ranges::max(tokens, {}, &std::string::size).size();
}

double TokenCorpus::meanTokenSize() const {
    const auto total = std::accumulate(
        tokens.begin(), tokens.end(), std::size_t{0},
        [](std::size_t sum, const std::string& token) { return sum + token.size(); });
    return static_cast<double>(total) / static_cast<double>(tokens.size());
}

void failSetup(std::string_view what) {
    std::fprintf(stderr, "token_bench: setup check failed: %.*s\n", static_cast<int>(what.size()),
                 what.data());
    std::abort();
}

} // namespace parley::bench
