#pragma once

// The revocation object (docs/protocol.md, "Revocations"): what `POST /v1/revocations` takes,
// what it and `GET /v1/revocations` answer, and what nodes tell each other through the broker.
// One spelling of its fields, here. A revocation names exactly one of an identity, a token's `jti`
// or an API key SID, and covers the tokens issued (`iat`) at or before `revoked_at`; it lapses at
// `lapses_at`, when every token it covers has expired anyway.

#include "protocol/shape_error.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::protocol {

using Json = nlohmann::json;

namespace field {
inline constexpr std::string_view kRevokedIdentity = "identity";
inline constexpr std::string_view kRevokedTokenId = "jti";
inline constexpr std::string_view kRevokedApiKey = "api_key";
/// Optional in a request naming a `jti`: that token's `exp`, so the revocation lapses with it.
inline constexpr std::string_view kRevokedExpiresAt = "expires_at";
inline constexpr std::string_view kRevokedAt = "revoked_at";
inline constexpr std::string_view kLapsesAt = "lapses_at";
inline constexpr std::string_view kRevocations = "revocations";
} // namespace field

/// Largest `POST /v1/revocations` body, in bytes (413 beyond).
inline constexpr std::size_t kMaxRevocationBodyBytes = 4096;
/// Largest identity or `jti` a revocation names, in bytes.
inline constexpr std::size_t kMaxRevokedValueBytes = 1024;

enum class RevocationKind {
    kIdentity,
    kTokenId,
    kApiKey,
};

/// The field that names what `kind` revokes: "identity", "jti" or "api_key".
std::string_view revocationField(RevocationKind kind);

/// A `POST /v1/revocations` body.
struct RevocationRequest {
    RevocationKind kind = RevocationKind::kIdentity;
    std::string value;
    /// With a `jti` only: the token's `exp` (unix seconds), when the caller knows it.
    std::optional<std::int64_t> expires_at;

    bool operator==(const RevocationRequest&) const = default;
};

/// Parses and checks a request body: a JSON object with exactly one of `identity`, `jti`
/// (non-empty strings of at most kMaxRevokedValueBytes) or `api_key` (`SK` + 32 hex), plus
/// `expires_at` (a positive integer) with a `jti` only. Any other field is a ShapeError (50003)
/// saying what is wrong. The caller bounds the body first: the REST API answers 413 beyond
/// kMaxRevocationBodyBytes.
Decoded<RevocationRequest> readRevocationRequest(std::string_view body);

/// A revocation in force. Times are unix seconds.
struct RevocationObject {
    RevocationKind kind = RevocationKind::kIdentity;
    std::string value;
    std::int64_t revoked_at = 0;
    std::int64_t lapses_at = 0;

    bool operator==(const RevocationObject&) const = default;
};

/// {"identity"|"jti"|"api_key": value, "revoked_at": s, "lapses_at": s}
Json encodeRevocation(const RevocationObject& revocation);
/// The inverse; exactly one of the three naming fields.
Decoded<RevocationObject> decodeRevocation(const Json& object);
/// {"revocations": [...]} for `GET /v1/revocations`.
Json revocationsReply(const std::vector<RevocationObject>& revocations);

} // namespace parley::protocol
