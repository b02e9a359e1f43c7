#include "server/token_gate.hpp"

#include <openssl/crypto.h>

namespace parley::server {

TokenGate::TokenGate(const std::vector<token::ApiKey>& keys, token::VerifyPolicy policy,
                     const token::Clock& clock, Metrics& metrics, const RevocationList* revocations)
    : verifier_(std::make_shared<const token::TokenVerifier>(token::KeySet{keys}, policy, clock)),
      keys_(std::make_shared<const std::vector<token::ApiKey>>(keys)), policy_(std::move(policy)),
      clock_(clock), metrics_(metrics), revocations_(revocations) {}

std::expected<token::Claims, token::TokenFailure> TokenGate::verify(std::string_view token) const {
    auto claims = verifier_.load()->verify(token);
    if (claims && revocations_ != nullptr) {
        // Checked after the signature and claims: only a token that is otherwise valid is told
        // it was revoked.
        if (const auto revocation =
                revocations_->covering(RevocableToken::of(*claims),
                                       std::chrono::floor<std::chrono::seconds>(clock_.now()))) {
            claims = std::unexpected(token::TokenFailure{
                .code = token::TokenError::kRevoked,
                .message = "access token revoked: " +
                           std::string{protocol::revocationField(revocation->kind)} + " \"" +
                           revocation->value + "\" revoked at " +
                           std::to_string(revocation->revoked_at.time_since_epoch().count())});
        }
    }
    metrics_.tokenVerified(claims ? nullptr : &claims.error());
    return claims;
}

bool TokenGate::revoked(const RevocableToken& token) const {
    return revocations_ != nullptr &&
           revocations_->covering(token, std::chrono::floor<std::chrono::seconds>(clock_.now()))
               .has_value();
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
