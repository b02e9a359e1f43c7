#include "server/token_gate.hpp"

#include <openssl/crypto.h>

namespace parley::server {

TokenGate::TokenGate(const std::vector<token::ApiKey>& keys, token::VerifyPolicy policy,
                     const token::Clock& clock, Metrics& metrics)
    : verifier_(std::make_shared<const token::TokenVerifier>(token::KeySet{keys}, policy, clock)),
      keys_(std::make_shared<const std::vector<token::ApiKey>>(keys)), policy_(std::move(policy)),
      clock_(clock), metrics_(metrics) {}

std::expected<token::Claims, token::TokenFailure> TokenGate::verify(std::string_view token) const {
    auto claims = verifier_.load()->verify(token);
    metrics_.tokenVerified(claims ? nullptr : &claims.error());
    return claims;
}

void TokenGate::replaceKeys(const std::vector<token::ApiKey>& keys) {
    verifier_.store(
        std::make_shared<const token::TokenVerifier>(token::KeySet{keys}, policy_, clock_));
    keys_.store(std::make_shared<const std::vector<token::ApiKey>>(keys));
}

bool TokenGate::checkApiKey(std::string_view sid, std::string_view secret) const {
    const auto keys = keys_.load();
    for (const token::ApiKey& key : *keys) {
        if (key.sid == sid && key.secret.size() == secret.size() &&
            CRYPTO_memcmp(key.secret.data(), secret.data(), secret.size()) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace parley::server
