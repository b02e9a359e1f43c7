#pragma once

// Every way a token can be wrong, one code each. The numeric values are the contract's wire codes
// (docs/protocol.md, "Codes"): the same cause gives the same code wherever it is detected.

#include <array>
#include <string>
#include <string_view>
#include <system_error>

namespace parley::token {

enum class TokenError {
    /// Not three base64url segments, bad base64url, not JSON, or larger than 16 KiB.
    kInvalidToken = 20101,
    /// `alg` is not HS256/HS384/HS512 (`none` included), or `typ`/`cty` is wrong.
    kInvalidHeader = 20102,
    /// Unknown API key SID in `iss`, or `sub` is not that key's account.
    kInvalidIssuer = 20103,
    /// The token has expired, or `exp` is missing or not an integer.
    kExpired = 20104,
    /// `nbf` is in the future.
    kNotYetValid = 20105,
    /// No or empty `identity`, a required grant is missing, or its `service_sid` is another's.
    kInvalidGrants = 20106,
    /// The signature does not match the signing input under the issuer's key.
    kInvalidSignature = 20107,
    /// The token was revoked (by identity, `jti` or API key) after it was issued.
    kRevoked = 20120,
    /// `exp - iat` (or `exp - now`) exceeds the maximum lifetime.
    kLifetimeTooLong = 20157,
};

/// All codes, in wire order; lets tests and docs walk every value.
inline constexpr std::array kAllTokenErrors = {
    TokenError::kInvalidToken,     TokenError::kInvalidHeader, TokenError::kInvalidIssuer,
    TokenError::kExpired,          TokenError::kNotYetValid,   TokenError::kInvalidGrants,
    TokenError::kInvalidSignature, TokenError::kRevoked,       TokenError::kLifetimeTooLong,
};

/// One sentence saying what the code means, independent of the token at hand.
std::string_view describe(TokenError error);

/// The category of TokenError; `error_code::value()` is the wire code.
const std::error_category& tokenErrorCategory();

// NOLINTNEXTLINE(readability-identifier-naming): found by ADL, the name std::error_code requires.
std::error_code make_error_code(TokenError error);

/// A rejected token: the code plus a message about this token ("expired 12 s ago").
struct TokenFailure {
    TokenError code;
    std::string message;

    /// The contract's numeric code, e.g. 20104.
    int wireCode() const { return static_cast<int>(code); }
};

} // namespace parley::token

template <> struct std::is_error_code_enum<parley::token::TokenError> : std::true_type {};
