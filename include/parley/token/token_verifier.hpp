#pragma once

// Verifying access tokens: the one place that decides whether a token is trusted.

#include <parley/token/api_key.hpp>
#include <parley/token/claims.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/error.hpp>
#include <parley/token/grants.hpp>
#include <parley/token/limits.hpp>

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::token {

/// What a service demands of a token beyond a valid signature.
struct VerifyPolicy {
    /// Longest accepted `exp - iat`; the contract's 24 hours.
    std::chrono::seconds max_lifetime = kMaxTtl;
    /// Tolerance for clock differences on `exp` and `nbf`; zero so expiry is exact.
    std::chrono::seconds leeway{0};
    /// A grant the token must carry (20106 without it).
    std::optional<GrantKind> required_grant;
    /// When set, the token must carry a chat grant naming this service.
    std::optional<std::string> chat_service_sid;
    /// When set, the token must carry a data_sync grant naming this service.
    std::optional<std::string> sync_service_sid;
};

/// Verifies tokens against a key set and a policy.
///
/// Order of checks, each failure with its one code: size and structure (20101), header (20102),
/// issuer key (20103), signature in constant time (20107); only then are the other claims read:
/// subject (20103), `exp` present (20104), lifetime (20157), expiry (20104), `nbf` (20105),
/// grants (20106). Bad tokens are values, never exceptions.
///
/// Thread-safe: `verify` may be called concurrently; the verifier is immutable after construction.
/// The clock must outlive the verifier.
class TokenVerifier {
public:
    TokenVerifier(const KeySet& keys, VerifyPolicy policy, const Clock& clock);

    std::expected<Claims, TokenFailure> verify(std::string_view token) const;

    const VerifyPolicy& policy() const { return policy_; }
    const KeySet& keys() const { return keys_; }

private:
    KeySet keys_;
    VerifyPolicy policy_;
    const Clock* clock_;
};

} // namespace parley::token
