#pragma once

// Helpers for token tests: fixed keys, a fixed "now", and signing arbitrary header/payload JSON so
// each malformed-token case can be built exactly.

#include "token/base64url.hpp"
#include "token/hmac.hpp"

#include <parley/token/api_key.hpp>
#include <parley/token/clock.hpp>

#include <string>

namespace parley::token::testing {

inline const ApiKey kKey{
    .sid = "SK0123456789abcdef0123456789abcdef",
    .account_sid = "AC0123456789abcdef0123456789abcdef",
    .secret = "0123456789abcdef0123456789abcdef",
};
inline const ApiKey kOtherKey{
    .sid = "SKfedcba9876543210fedcba9876543210",
    .account_sid = "ACfedcba9876543210fedcba9876543210",
    .secret = "fedcba9876543210fedcba9876543210",
};
inline const std::string kChatService = "IS00000000000000000000000000000001";
inline const std::string kSyncService = "IS00000000000000000000000000000002";

/// 2026-11-29T00:00:00Z, a whole second so claim arithmetic in tests stays exact.
inline constexpr UnixSeconds kNow{std::chrono::seconds{1795910400}};

inline std::string canonicalHeader(std::string_view alg = "HS256") {
    return R"({"alg":")" + std::string{alg} + R"(","typ":"JWT","cty":"twilio-fpa;v=1"})";
}

/// Signs `header_json`.`payload_json` with `key` under HS256/384/512 as named by `alg`.
inline std::string signRaw(const std::string& header_json, const std::string& payload_json,
                           const ApiKey& key = kKey, Algorithm alg = Algorithm::kHs256) {
    std::string input = base64url::encode(header_json) + "." + base64url::encode(payload_json);
    SignatureBuffer signature{};
    const std::size_t size = PreparedKey{key}.sign(alg, input, signature);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return input + "." + base64url::encode({reinterpret_cast<const char*>(signature.data()), size});
}

/// A well-formed payload with the given times (unix seconds), overridable piece by piece.
inline std::string payloadJson(
    long long iat, long long exp,
    const std::string& grants =
        R"({"identity":"alice","chat":{"service_sid":"IS00000000000000000000000000000001"}})",
    const std::string& extra = "") {
    return R"({"jti":"SK0123456789abcdef0123456789abcdef-1","grants":)" + grants + R"(,"iat":)" +
           std::to_string(iat) + R"(,"exp":)" + std::to_string(exp) + R"(,"iss":")" + kKey.sid +
           R"(","sub":")" + kKey.account_sid + "\"" + extra + "}";
}

inline long long nowSeconds() {
    return kNow.time_since_epoch().count();
}

} // namespace parley::token::testing
