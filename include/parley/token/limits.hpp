#pragma once

// The fixed limits of the token contract (docs/protocol.md, "Codes").

#include <chrono>
#include <cstddef>

namespace parley::token {

/// Tokens larger than this are refused (20101) before any decoding work.
inline constexpr std::size_t kMaxTokenBytes = std::size_t{16} * 1024;

/// The shortest lifetime `mint` accepts unless the caller lowers it explicitly.
inline constexpr std::chrono::seconds kMinTtl{180};

/// The longest lifetime `mint` accepts, and the verifier's default maximum (20157 beyond it).
inline constexpr std::chrono::seconds kMaxTtl{86400};

/// The header `cty` every access token carries.
inline constexpr const char* kContentType = "twilio-fpa;v=1";

} // namespace parley::token
