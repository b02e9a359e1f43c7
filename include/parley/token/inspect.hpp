#pragma once

// Decoding a token without verifying it, for tools (`parley token inspect`). Nothing returned here
// is trustworthy: the signature is not checked.

#include <parley/token/claims.hpp>
#include <parley/token/error.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::token {

struct Inspection {
    /// The decoded header and payload, as the JSON text found in the token.
    std::string header_json;
    std::string payload_json;
    /// The claims, when the payload has the shape of an access token (its `exp` may be past).
    std::optional<Claims> claims;
    /// Why `claims` is empty, when it is.
    std::optional<TokenFailure> claims_problem;
};

/// Splits and decodes `token`. Fails with 20101 (structure, base64url, JSON, size) only.
std::expected<Inspection, TokenFailure> inspect(std::string_view token);

} // namespace parley::token
