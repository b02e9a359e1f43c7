#pragma once

// Reading the payload of an access token from parsed JSON. Split in steps so the verifier can
// find the issuer's key and check the signature before it trusts anything else in the payload.

#include <parley/token/claims.hpp>
#include <parley/token/error.hpp>

#include <simdjson.h>

#include <expected>
#include <optional>
#include <string_view>

namespace parley::token {

/// The registered claims of a payload, located in one pass. Each is absent when not in the token.
struct PayloadFields {
    std::optional<simdjson::dom::element> jti;
    std::optional<simdjson::dom::element> iss;
    std::optional<simdjson::dom::element> sub;
    std::optional<simdjson::dom::element> iat;
    std::optional<simdjson::dom::element> exp;
    std::optional<simdjson::dom::element> nbf;
    std::optional<simdjson::dom::element> grants;
};

/// Locates the claims into `fields`, which must start empty (filled in place: returning the
/// struct inside a std::expected made g++ clear it with `rep stos`, slow on the hot path).
/// 20101 if the payload is not an object or repeats a claim (parsers differ on which duplicate
/// wins, so a token carrying two is ambiguous and refused).
std::expected<void, TokenFailure> locateClaims(simdjson::dom::element payload,
                                               PayloadFields& fields);

/// `iss`, the API key SID; 20103 if missing or not a string.
std::expected<std::string_view, TokenFailure> readIssuer(const PayloadFields& fields);

/// The time claims: `exp` (20104 if missing or not an integer), `iat` (20101 if not an integer),
/// `nbf` (20105 if not an integer). Values are bounded to years 0..9999 so later arithmetic cannot
/// overflow.
struct TimeClaims {
    std::optional<UnixSeconds> issued_at;
    UnixSeconds expires_at{};
    std::optional<UnixSeconds> not_before;
};
std::expected<TimeClaims, TokenFailure> readTimes(const PayloadFields& fields);

/// `grants`, read into `grants` (which should start empty) in place, so the caller's Claims need
/// not be moved; 20106 if missing, not an object, without a non-empty string identity, or if a
/// known grant has the wrong shape. On failure `grants` holds whatever was read before it.
std::expected<void, TokenFailure> readGrants(const PayloadFields& fields, Grants& grants);

/// A string claim, or empty when absent or not a string.
std::string_view stringClaim(const std::optional<simdjson::dom::element>& claim);

} // namespace parley::token
