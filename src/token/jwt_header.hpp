#pragma once

// The JOSE header of an access token: writing the canonical one, and reading any one.

#include <parley/token/algorithm.hpp>
#include <parley/token/error.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::token {

/// The base64url header segment Parley (and Twilio's helpers) write, in their key order:
/// {"alg":...,"typ":"JWT","cty":"twilio-fpa;v=1"} plus "twr" when a region is given.
std::string encodeHeader(Algorithm algorithm, const std::optional<std::string>& region);

/// `header.` for the canonical header of `algorithm` (no region): what nearly every token's
/// signing input starts with. Computed once; the view stays valid for the program's life.
std::string_view canonicalSigningPrefix(Algorithm algorithm);

/// Reads the header segment: the algorithm, or 20101 (not base64url JSON) / 20102 (bad fields).
/// The three canonical headers are recognised by comparison, without decoding.
std::expected<Algorithm, TokenFailure> readHeader(std::string_view segment);

} // namespace parley::token
