#pragma once

// The floor under token verification: HMAC of the signing input with the key schedule prepared
// once, and a constant-time compare. A verifier cannot do less and still check the signature.

#include <parley/token/algorithm.hpp>

#include <memory>
#include <string_view>

namespace parley::bench {

/// HMAC-SHA256 or HMAC-SHA512 with the inner and outer hash states computed once from the
/// secret. `matches` only hashes the message and the inner digest. Not thread-safe to construct,
/// safe to call `matches` concurrently.
class HmacFloor {
public:
    /// `algorithm` must be HS256 or HS512; anything else aborts.
    HmacFloor(token::Algorithm algorithm, std::string_view secret);
    HmacFloor(HmacFloor&&) noexcept;
    HmacFloor& operator=(HmacFloor&&) noexcept;
    ~HmacFloor();

    /// True when `signature` (raw bytes) is the MAC of `signing_input`.
    bool matches(std::string_view signing_input, std::string_view signature) const;

    class Impl;

private:
    std::unique_ptr<const Impl> impl_;
};

} // namespace parley::bench
