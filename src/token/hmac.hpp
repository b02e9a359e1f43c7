#pragma once

// HMAC-SHA2 with the key schedule computed once per key. A per-call HMAC (OpenSSL's HMAC(),
// EVP_MAC) hashes the padded key twice and allocates contexts on every token; here a signature
// costs only the hashing of the signing input plus one short block.

#include <parley/token/algorithm.hpp>
#include <parley/token/api_key.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace parley::token {

/// Largest HMAC output (HS512).
inline constexpr std::size_t kMaxSignatureSize = 64;
using SignatureBuffer = std::array<unsigned char, kMaxSignatureSize>;

class PreparedKey {
public:
    explicit PreparedKey(const ApiKey& key);
    PreparedKey(const PreparedKey&) = delete;
    PreparedKey& operator=(const PreparedKey&) = delete;
    // Defined where Schedules is complete.
    ~PreparedKey(); // NOLINT(performance-trivially-destructible)

    const std::string& sid() const { return key_.sid; }
    const std::string& accountSid() const { return key_.account_sid; }

    /// Writes HMAC(secret, data) into `out`; returns its length (signatureSize(algorithm)).
    std::size_t sign(Algorithm algorithm, std::string_view data, SignatureBuffer& out) const;

private:
    struct Schedules;
    ApiKey key_;
    std::unique_ptr<const Schedules> schedules_;
};

} // namespace parley::token
