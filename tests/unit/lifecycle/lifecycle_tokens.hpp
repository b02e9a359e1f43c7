#pragma once

// Tokens for lifecycle and client unit tests: minted by the real builder at chosen instants, or
// crafted claim by claim for values the builder refuses (an absurd exp).

#include "token/base64url.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/clock.hpp>

#include <chrono>
#include <string>

namespace parley::lifecycle::testing {

using namespace std::chrono_literals;
using token::TimePoint;

inline const token::ApiKey kKey{
    .sid = "SK0123456789abcdef0123456789abcdef",
    .account_sid = "AC0123456789abcdef0123456789abcdef",
    .secret = "0123456789abcdef0123456789abcdef",
};

/// 2026-11-29T00:00:00Z.
inline const TimePoint kT0{std::chrono::milliseconds{1795910400000}};

/// A token for `identity` issued at `issued`, expiring `ttl` later.
inline std::string tokenFor(const std::string& identity, TimePoint issued,
                            std::chrono::seconds ttl) {
    const token::ManualClock at{issued};
    return token::AccessTokenBuilder{kKey}
        .identity(identity)
        .ttl(ttl)
        .minimumTtl(1s)
        .chat(token::ChatGrant{})
        .mint(at)
        .value();
}

/// An unsigned token with a raw `exp` (unix seconds as JSON text); the pre-check reads claims
/// without verifying, so the signature part is arbitrary.
inline std::string craftedToken(const std::string& exp_json,
                                const std::string& identity = "alice") {
    const std::string header = R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"})";
    const std::string payload =
        R"({"jti":"SK-1","grants":{"identity":")" + identity + R"("},"iat":1795910400,"exp":)" +
        exp_json +
        R"(,"iss":"SK0123456789abcdef0123456789abcdef","sub":"AC0123456789abcdef0123456789abcdef"})";
    return token::base64url::encode(header) + "." + token::base64url::encode(payload) + ".c2ln";
}

} // namespace parley::lifecycle::testing
