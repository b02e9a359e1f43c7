#pragma once

// The HMAC algorithms an access token may be signed with (the JWT `alg` header).

#include <optional>
#include <string_view>

namespace parley::token {

enum class Algorithm {
    kHs256,
    kHs384,
    kHs512,
};

/// The JWT name of `algorithm`: "HS256", "HS384" or "HS512".
std::string_view algorithmName(Algorithm algorithm);

/// Parses a JWT `alg` name; anything but the three HMAC names (including "none") is nullopt.
std::optional<Algorithm> parseAlgorithm(std::string_view name);

/// Length in bytes of the signature `algorithm` produces (32, 48 or 64).
std::size_t signatureSize(Algorithm algorithm);

} // namespace parley::token
