#pragma once

// Base64url without padding (RFC 4648 §5), strict: the JWT alphabet only, no '=', and the unused
// trailing bits must be zero, so each byte string has exactly one accepted encoding.
// Hand-written rather than OpenSSL's EVP_DecodeBlock, which takes the other alphabet, wants
// padding and would need a translated copy of every segment on the verify hot path.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::token::base64url {

std::string encode(std::string_view bytes);

/// Decoded length of an encoded segment of `encoded_size` characters; nullopt if no valid
/// encoding has that length (size % 4 == 1).
std::optional<std::size_t> decodedSize(std::size_t encoded_size);

/// Decodes into `out`, which must have room for decodedSize(encoded.size()) bytes.
/// Returns false on any character outside the alphabet, a bad length, or non-zero trailing bits.
bool decode(std::string_view encoded, unsigned char* out);

/// Convenience form for cold paths.
std::optional<std::string> decode(std::string_view encoded);

} // namespace parley::token::base64url
