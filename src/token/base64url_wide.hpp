#pragma once

// The wide half of the base64url decoder: 32 characters per step with AVX2, where the CPU has it.
// Hand-written because the payload decode is on the verify hot path (about a sixth of a verify
// with a byte-at-a-time loop) and no Debian library decodes the url-safe alphabet with SIMD
// (OpenSSL's EVP_DecodeBlock is byte-at-a-time and takes the other alphabet; simdutf is not
// packaged for bookworm).

#include <cstddef>
#include <string_view>

namespace parley::token::base64url {

/// What decodeWide did: how many leading characters it decoded (a multiple of 32), and whether
/// one of them was outside the alphabet.
struct WideResult {
    std::size_t consumed = 0;
    bool invalid = false;
};

/// Decodes a prefix of `encoded` into `out` in 32-character steps, 24 bytes per step, never
/// writing past decodedSize(encoded.size()). Leaves the rest (under 32 characters, and all of a
/// short input) to the scalar decoder, which also checks the trailing bits. Decodes nothing on a
/// CPU without AVX2.
WideResult decodeWide(std::string_view encoded, unsigned char* out);

} // namespace parley::token::base64url
