#pragma once

// The server's current token verifier. Keys can be replaced while the server runs (SIGHUP
// reloads the config file): connections verify with whatever set is current at that moment, so a
// removed key stops verifying at the next init or update_token.

#include "server/metrics.hpp"
#include "server/revocation_list.hpp"

#include <parley/token/token_verifier.hpp>

#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

namespace parley::server {

class TokenGate {
public:
    /// With `revocations`, a token they cover fails with 20120 (access token revoked).
    TokenGate(const std::vector<token::ApiKey>& keys, token::VerifyPolicy policy,
              const token::Clock& clock, Metrics& metrics,
              const RevocationList* revocations = nullptr);

    /// Verifies, checks the revocations, and counts the result in the metrics. Thread-safe.
    std::expected<token::Claims, token::TokenFailure> verify(std::string_view token) const;

    /// Whether a revocation in force covers `token` (a session's, re-checked when one arrives).
    bool revoked(const RevocableToken& token) const;

    /// Installs a new key set, keeping the policy. Thread-safe.
    void replaceKeys(const std::vector<token::ApiKey>& keys);

    /// True if `sid` and `secret` are one of the current API keys (REST API, HTTP Basic).
    /// The secret is compared in constant time.
    bool checkApiKey(std::string_view sid, std::string_view secret) const;

    std::shared_ptr<const token::TokenVerifier> current() const { return verifier_.load(); }

private:
    std::atomic<std::shared_ptr<const token::TokenVerifier>> verifier_;
    std::atomic<std::shared_ptr<const std::vector<token::ApiKey>>> keys_;
    token::VerifyPolicy policy_;
    const token::Clock& clock_;
    Metrics& metrics_;
    const RevocationList* revocations_;
};

} // namespace parley::server
