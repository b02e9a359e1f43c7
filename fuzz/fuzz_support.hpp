#pragma once

// What the token fuzz targets share: the fixed key set and clock their seed corpora were made for,
// a check that traps with a message, and an encoder and signer written independently of
// src/token, so the targets can forge tokens past the signature check without trusting the code
// under test to do it.

#include <parley/token/api_key.hpp>
#include <parley/token/claims.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/error.hpp>
#include <parley/token/token_verifier.hpp>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// A property failed: say which, then trap, so libFuzzer saves the input as a crash artifact.
// A macro rather than a function so the message names the line.
#define FUZZ_CHECK(condition, ...)                                                                 \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  ", __FILE__, __LINE__,         \
                         #condition);                                                              \
            std::fprintf(stderr, __VA_ARGS__);                                                     \
            std::fputc('\n', stderr);                                                              \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (false)

namespace parley::fuzz {

/// Printable form of a possibly binary string, for FUZZ_CHECK messages.
inline std::string printable(std::string_view bytes, std::size_t limit = 200) {
    std::string out;
    for (const char c : bytes.substr(0, limit)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            out += c;
        } else {
            constexpr std::string_view kHex = "0123456789abcdef";
            out += "\\x";
            out += kHex[byte >> 4U];
            out += kHex[byte & 0xfU];
        }
    }
    if (bytes.size() > limit) {
        out += "...";
    }
    return out;
}

// The same test key values as tests/interop/common.mjs, so a seed is also usable by hand with
// `parley token verify`. fuzz/make-seeds repeats them: keep the two in step.
inline constexpr std::string_view kAccountSid = "AC0123456789abcdef0123456789abcdef";
inline constexpr std::string_view kApiKeySid = "SKfedcba9876543210fedcba9876543210";
inline constexpr std::string_view kApiSecret = "pArLeY-interop-secret-0123456789";
inline constexpr std::string_view kOtherAccountSid = "ACaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb";
inline constexpr std::string_view kOtherApiKeySid = "SKccccccccccccccccdddddddddddddddd";
inline constexpr std::string_view kOtherSecret = "a-different-secret-0123456789abc";
// A key with no account: its tokens' `sub` is not checked.
inline constexpr std::string_view kAnyAccountKeySid = "SK0000000000000000ffffffffffffffff";
inline constexpr std::string_view kAnyAccountSecret = "any-account-secret";
// A well-formed SID that is in no key set (20103).
inline constexpr std::string_view kUnknownKeySid = "SKeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

inline constexpr std::string_view kChatServiceSid = "IS11111111111111111111111111111111";
inline constexpr std::string_view kOtherChatServiceSid = "IS99999999999999999999999999999999";
inline constexpr std::string_view kSyncServiceSid = "IS22222222222222222222222222222222";

/// The fuzzers' "now": 2023-11-14T22:13:20Z. The valid seeds were issued a minute before.
inline constexpr std::int64_t kNowSeconds = 1'700'000'000;

inline token::UnixSeconds fuzzNow() {
    return token::UnixSeconds{std::chrono::seconds{kNowSeconds}};
}

inline std::vector<token::ApiKey> fuzzKeys() {
    return {
        {.sid = std::string{kApiKeySid},
         .account_sid = std::string{kAccountSid},
         .secret = std::string{kApiSecret}},
        {.sid = std::string{kOtherApiKeySid},
         .account_sid = std::string{kOtherAccountSid},
         .secret = std::string{kOtherSecret}},
        {.sid = std::string{kAnyAccountKeySid},
         .account_sid = "",
         .secret = std::string{kAnyAccountSecret}},
    };
}

/// The secret of a key in fuzzKeys() named by `sid`, else nullopt.
inline std::optional<std::string_view> secretFor(std::string_view sid) {
    if (sid == kApiKeySid) {
        return kApiSecret;
    }
    if (sid == kOtherApiKeySid) {
        return kOtherSecret;
    }
    if (sid == kAnyAccountKeySid) {
        return kAnyAccountSecret;
    }
    return std::nullopt;
}

/// The account a key in fuzzKeys() belongs to ("" when `sub` is not checked), else nullopt.
inline std::optional<std::string_view> accountFor(std::string_view sid) {
    if (sid == kApiKeySid) {
        return kAccountSid;
    }
    if (sid == kOtherApiKeySid) {
        return kOtherAccountSid;
    }
    if (sid == kAnyAccountKeySid) {
        return std::string_view{};
    }
    return std::nullopt;
}

/// True when `error` is one of the contract's codes (docs/protocol.md, "Reply error codes").
inline bool isContractCode(token::TokenError error) {
    return std::ranges::find(token::kAllTokenErrors, error) != std::end(token::kAllTokenErrors);
}

/// Wide enough that sums and differences of two int64 second counts never overflow.
// NOLINTNEXTLINE(modernize-use-using): `__extension__` (silences -Wpedantic) needs a typedef.
__extension__ typedef __int128 WideSeconds;

/// Seconds since the epoch, widened so the checks below cannot overflow on absurd claims.
inline WideSeconds wideSeconds(token::UnixSeconds time) {
    return time.time_since_epoch().count();
}

/// What every token a verifier with `policy` accepted at `now` must satisfy, whatever the input.
/// `now` is a whole second in every target, so exp, nbf and the lifetime compare exactly.
inline void checkAccepted(const token::Claims& claims, const token::VerifyPolicy& policy,
                          token::UnixSeconds now) {
    FUZZ_CHECK(!claims.identity().empty(), "accepted a token without identity");
    const auto account = accountFor(claims.issuer);
    FUZZ_CHECK(account.has_value(), "accepted issuer '%s', which is in no key",
               printable(claims.issuer).c_str());
    FUZZ_CHECK(account->empty() || claims.subject == *account,
               "accepted sub '%s' for key %s of account %s", printable(claims.subject).c_str(),
               claims.issuer.c_str(), std::string{*account}.c_str());
    const auto leeway = static_cast<WideSeconds>(policy.leeway.count());
    FUZZ_CHECK(wideSeconds(claims.expires_at) + leeway >= wideSeconds(now),
               "accepted exp %lld at now %lld",
               static_cast<long long>(claims.expires_at.time_since_epoch().count()),
               static_cast<long long>(now.time_since_epoch().count()));
    if (claims.not_before) {
        FUZZ_CHECK(wideSeconds(*claims.not_before) - leeway <= wideSeconds(now),
                   "accepted nbf %lld at now %lld",
                   static_cast<long long>(claims.not_before->time_since_epoch().count()),
                   static_cast<long long>(now.time_since_epoch().count()));
    }
    const auto lifetime =
        wideSeconds(claims.expires_at) - wideSeconds(claims.issued_at.value_or(now));
    FUZZ_CHECK(lifetime <= policy.max_lifetime.count(), "accepted a lifetime of %lld s",
               static_cast<long long>(lifetime));
    if (policy.required_grant) {
        FUZZ_CHECK(claims.grants.has(*policy.required_grant), "accepted without the %s grant",
                   std::string{token::grantName(*policy.required_grant)}.c_str());
    }
    // A grant without service_sid is not "another service"; the contract leaves it open.
    if (policy.chat_service_sid) {
        FUZZ_CHECK(claims.grants.chat &&
                       (!claims.grants.chat->service_sid ||
                        claims.grants.chat->service_sid == policy.chat_service_sid),
                   "accepted a chat grant for service '%s'",
                   printable(claims.grants.chat ? claims.grants.chat->service_sid.value_or("")
                                                : "(no chat grant)")
                       .c_str());
    }
    if (policy.sync_service_sid) {
        FUZZ_CHECK(claims.grants.sync &&
                       (!claims.grants.sync->service_sid ||
                        claims.grants.sync->service_sid == policy.sync_service_sid),
                   "accepted a data_sync grant for another service");
    }
}

/// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. JSON text
/// must be UTF-8, so only such strings can come back unchanged from a token.
inline bool isValidUtf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        if (lead < 0x80U) {
            ++i;
            continue;
        }
        if (lead >= 0xc2U && lead <= 0xdfU) {
            length = 2;
            code_point = lead & 0x1fU;
        } else if (lead >= 0xe0U && lead <= 0xefU) {
            length = 3;
            code_point = lead & 0x0fU;
        } else if (lead >= 0xf0U && lead <= 0xf4U) {
            length = 4;
            code_point = lead & 0x07U;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0U) != 0x80U) {
                return false;
            }
            code_point = (code_point << 6U) | (next & 0x3fU);
        }
        const bool overlong =
            (length == 3 && code_point < 0x800U) || (length == 4 && code_point < 0x10000U);
        const bool surrogate = code_point >= 0xd800U && code_point <= 0xdfffU;
        if (overlong || surrogate || code_point > 0x10ffffU) {
            return false;
        }
        i += length;
    }
    return true;
}

/// True when `json_text` has a `\uD800`-`\uDFFF` escape: RFC 8259 lets parsers differ on a lone
/// surrogate, so the targets draw no conclusion from text that has one.
inline bool hasSurrogateEscape(std::string_view json_text) {
    for (std::size_t i = 0; i + 3 < json_text.size(); ++i) {
        if (json_text[i] == '\\' && json_text[i + 1] == 'u' &&
            (json_text[i + 2] == 'd' || json_text[i + 2] == 'D')) {
            const char third = json_text[i + 3];
            if ((third >= '8' && third <= '9') || (third >= 'a' && third <= 'f') ||
                (third >= 'A' && third <= 'F')) {
                return true;
            }
        }
    }
    return false;
}

/// True when `text` is certainly not JSON (RFC 8259): it holds a NUL byte, or nlohmann::json
/// reports a syntax error and the text holds nothing parsers may legitimately differ on (a
/// lone-surrogate escape, a byte order mark, which nlohmann skips).
inline bool certainlyNotJson(std::string_view text) {
    // A raw NUL is never valid JSON text, but nlohmann::json stops at one as at the end of input.
    if (text.find('\0') != std::string_view::npos) {
        return true;
    }
    if (hasSurrogateEscape(text) || text.starts_with("\xEF\xBB\xBF")) {
        return false;
    }
    try {
        [[maybe_unused]] auto parsed = nlohmann::json::parse(text.begin(), text.end());
        return false;
    } catch (const nlohmann::json::parse_error&) {
        return true;
    } catch (const nlohmann::json::exception&) {
        // out_of_range: a number too large for a double is still valid JSON grammar.
        return false;
    }
}

/// RFC 4648 section 5 alphabet, no padding, as JWTs use it.
inline std::string base64UrlEncode(std::string_view bytes) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n =
            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U |
            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U |
            static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18U) & 63U];
        out += kAlphabet[(n >> 12U) & 63U];
        out += kAlphabet[(n >> 6U) & 63U];
        out += kAlphabet[n & 63U];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
        if (rest == 2) {
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
        }
        out += kAlphabet[(n >> 18U) & 63U];
        out += kAlphabet[(n >> 12U) & 63U];
        if (rest == 2) {
            out += kAlphabet[(n >> 6U) & 63U];
        }
    }
    return out;
}

/// HMAC of `data` under `secret` with SHA-256/384/512 picked by `alg_name`, raw bytes; OpenSSL
/// directly, not src/token's signer.
inline std::string hmac(std::string_view alg_name, std::string_view secret, std::string_view data) {
    const EVP_MD* md = EVP_sha256();
    if (alg_name == "HS384") {
        md = EVP_sha384();
    } else if (alg_name == "HS512") {
        md = EVP_sha512();
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int out_size = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &out_size);
    return {reinterpret_cast<const char*>(out), out_size};
}

/// `header.payload.signature` with both parts encoded as given and signed by `secret`.
inline std::string forgeToken(std::string_view header_json, std::string_view payload_json,
                              std::string_view alg_name, std::string_view secret) {
    std::string signing_input = base64UrlEncode(header_json);
    signing_input += '.';
    signing_input += base64UrlEncode(payload_json);
    const std::string signature = hmac(alg_name, secret, signing_input);
    return signing_input + '.' + base64UrlEncode(signature);
}

/// True when `json_text` has an integer literal beyond 64 bits (above UINT64_MAX, or below
/// INT64_MIN). Valid JSON, but nlohmann::json reads it as a double and simdjson refuses the whole
/// document (BIGINT_ERROR), so no conclusion is drawn from it. Digits inside strings count too:
/// a false alarm only makes a target check a little less.
inline bool hasHugeInteger(std::string_view json_text) {
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0;
    while (i < json_text.size()) {
        if (!is_digit(json_text[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < json_text.size() && is_digit(json_text[i])) {
            ++i;
        }
        const char before = start > 0 ? json_text[start - 1] : ' ';
        const char after = i < json_text.size() ? json_text[i] : ' ';
        const bool part_of_float = before == '.' || before == 'e' || before == 'E' ||
                                   before == '+' || after == '.' || after == 'e' || after == 'E';
        if (part_of_float) {
            continue;
        }
        std::string_view digits = json_text.substr(start, i - start);
        while (digits.size() > 1 && digits.front() == '0') {
            digits.remove_prefix(1);
        }
        const std::string_view limit =
            before == '-' ? std::string_view{"9223372036854775808"} : "18446744073709551615";
        if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) {
            return true;
        }
    }
    return false;
}

/// Parses `text` as JSON, refusing what parsers legitimately disagree on (duplicate keys anywhere,
/// invalid UTF-8, nesting deeper than `max_depth`, integers beyond 64 bits, a byte order mark), so
/// that when this returns a value every correct parser must read the same document from `text`.
inline std::optional<nlohmann::json> parseUnambiguous(std::string_view text, int max_depth = 64) {
    // nlohmann::json reads a NUL as the end of the text, and skips a byte order mark that other
    // parsers may refuse (RFC 8259 allows either).
    if (hasHugeInteger(text) || text.find('\0') != std::string_view::npos ||
        text.starts_with("\xEF\xBB\xBF")) {
        return std::nullopt;
    }
    std::vector<std::set<std::string>> keys_by_depth;
    bool ambiguous = false;
    auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        const auto level = static_cast<std::size_t>(depth);
        if (depth > max_depth) {
            ambiguous = true;
            return false;
        }
        switch (event) {
        case nlohmann::json::parse_event_t::object_start:
            // The callback sees object_start at the depth of the enclosing value.
            if (keys_by_depth.size() < level + 2) {
                keys_by_depth.resize(level + 2);
            }
            keys_by_depth[level + 1].clear();
            break;
        case nlohmann::json::parse_event_t::key:
            if (keys_by_depth.size() < level + 1) {
                keys_by_depth.resize(level + 1);
            }
            if (!keys_by_depth[level].insert(parsed.get<std::string>()).second) {
                ambiguous = true;
            }
            break;
        default:
            break;
        }
        return true;
    };
    try {
        auto value = nlohmann::json::parse(text.begin(), text.end(), callback);
        if (ambiguous) {
            return std::nullopt;
        }
        return value;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

} // namespace parley::fuzz
