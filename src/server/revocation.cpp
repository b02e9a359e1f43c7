#include "server/revocation.hpp"

#include <parley/token/limits.hpp>

#include <algorithm>

namespace parley::server {

RevocableToken RevocableToken::of(const token::Claims& claims) {
    return RevocableToken{.identity = claims.identity(),
                          .token_id = claims.token_id,
                          .issuer = claims.issuer,
                          .issued_at = claims.issued_at};
}

Revocation revocationFor(const protocol::RevocationRequest& request, token::TimePoint now) {
    const auto revoked_at = std::chrono::floor<std::chrono::seconds>(now);
    auto lapses_at = revoked_at + token::kMaxTtl;
    if (request.expires_at) {
        // The one token a jti names is gone at its exp; a later exp would be refused as 20157.
        lapses_at =
            std::min(lapses_at, token::UnixSeconds{std::chrono::seconds{*request.expires_at}});
    }
    return Revocation{.kind = request.kind,
                      .value = request.value,
                      .revoked_at = revoked_at,
                      .lapses_at = lapses_at};
}

bool covers(const Revocation& revocation, const RevocableToken& token) {
    const std::string* name = nullptr;
    switch (revocation.kind) {
    case RevocationKind::kIdentity:
        name = &token.identity;
        break;
    case RevocationKind::kTokenId:
        name = &token.token_id;
        break;
    case RevocationKind::kApiKey:
        name = &token.issuer;
        break;
    }
    if (name == nullptr || name->empty() || *name != revocation.value) {
        return false;
    }
    return !token.issued_at || *token.issued_at <= revocation.revoked_at;
}

bool lapsed(const Revocation& revocation, token::UnixSeconds now) {
    return now >= revocation.lapses_at;
}

Revocation merged(const Revocation& held, const Revocation& incoming) {
    Revocation result = held;
    result.revoked_at = std::max(held.revoked_at, incoming.revoked_at);
    result.lapses_at = std::max(held.lapses_at, incoming.lapses_at);
    return result;
}

protocol::RevocationObject toWire(const Revocation& revocation) {
    return protocol::RevocationObject{
        .kind = revocation.kind,
        .value = revocation.value,
        .revoked_at = revocation.revoked_at.time_since_epoch().count(),
        .lapses_at = revocation.lapses_at.time_since_epoch().count(),
    };
}

Revocation fromWire(const protocol::RevocationObject& revocation) {
    return Revocation{
        .kind = revocation.kind,
        .value = revocation.value,
        .revoked_at = token::UnixSeconds{std::chrono::seconds{revocation.revoked_at}},
        .lapses_at = token::UnixSeconds{std::chrono::seconds{revocation.lapses_at}},
    };
}

} // namespace parley::server
