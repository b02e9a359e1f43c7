#pragma once

// What a revocation is and which tokens it covers (docs/operations.md, "Revocations").
//
// A revocation names an identity, a token's `jti` or an API key SID (a token's `iss`), and covers
// the tokens with that name issued at or before `revoked_at`: a token minted after an identity's
// revocation works again. A token without `iat` cannot show when it was issued, so a revocation
// of its name covers it whatever its age. A revocation lapses at `lapses_at`: `revoked_at` plus
// the longest lifetime a token may have (24 h), or the `exp` of the one token a `jti` names when
// the caller gave it. From then on every token it covers has expired anyway, so it is dropped.

#include "protocol/revocations.hpp"

#include <parley/token/claims.hpp>
#include <parley/token/clock.hpp>

#include <optional>
#include <string>

namespace parley::server {

using RevocationKind = protocol::RevocationKind;

struct Revocation {
    RevocationKind kind = RevocationKind::kIdentity;
    /// The identity, `jti` or API key SID revoked.
    std::string value;
    token::UnixSeconds revoked_at{};
    token::UnixSeconds lapses_at{};

    bool operator==(const Revocation&) const = default;
};

/// What of a token a revocation can name.
struct RevocableToken {
    std::string identity;
    std::string token_id;
    /// The API key SID that signed it (`iss`).
    std::string issuer;
    std::optional<token::UnixSeconds> issued_at;

    static RevocableToken of(const token::Claims& claims);
};

/// The revocation `request` asks for, made at `now`.
Revocation revocationFor(const protocol::RevocationRequest& request, token::TimePoint now);

/// Whether `revocation` covers `token` (its name matches, and it was issued at or before
/// `revoked_at`, or cannot say when it was issued).
bool covers(const Revocation& revocation, const RevocableToken& token);

/// Whether every token `revocation` covers has expired by `now`.
bool lapsed(const Revocation& revocation, token::UnixSeconds now);

/// The same revocation named twice (by two nodes, or again later) keeps the later times, so it
/// covers every token either covers, for as long as either would.
Revocation merged(const Revocation& held, const Revocation& incoming);

protocol::RevocationObject toWire(const Revocation& revocation);
Revocation fromWire(const protocol::RevocationObject& revocation);

} // namespace parley::server
