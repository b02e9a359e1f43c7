#pragma once

// libjwt 1.10 (Debian's libjwt-dev) used the way a service would use it to accept our tokens:
// the peer Parley's verifier is compared against.

#include <memory>
#include <optional>
#include <string>

namespace parley::bench {

/// Verifies HMAC-signed tokens with libjwt's jwt_decode and reads `grants.identity`.
///
/// jwt_decode checks the signature (and that `alg` matches a key being given) but no claim: not
/// `exp`, `nbf`, `iss`, `sub` nor any grant. Those checks are left out here too, so the figures
/// favour libjwt. Not thread-safe: it reuses one JSON parser and buffer.
class LibjwtVerifier {
public:
    explicit LibjwtVerifier(std::string secret);
    LibjwtVerifier(LibjwtVerifier&&) noexcept;
    LibjwtVerifier& operator=(LibjwtVerifier&&) noexcept;
    ~LibjwtVerifier();

    /// jwt_decode with the secret: true when the signature verifies.
    bool decodes(const std::string& token) const;

    /// The identity of a token whose signature verifies; nullopt otherwise. libjwt 1.10 only
    /// reads top-level claims, so this serialises `grants` back to JSON and parses that.
    std::optional<std::string> identity(const std::string& token);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace parley::bench
