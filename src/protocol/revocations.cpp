#include "protocol/revocations.hpp"

#include "protocol/json_fields.hpp"

#include <parley/token/api_key.hpp>

#include <array>

namespace parley::protocol {

namespace {

constexpr std::array kKinds = {RevocationKind::kIdentity, RevocationKind::kTokenId,
                               RevocationKind::kApiKey};

// The one naming field of `object` and its kind; a ShapeError when there is none or several.
Decoded<RevocationKind> namingField(const Json& object) {
    std::optional<RevocationKind> found;
    for (const RevocationKind kind : kKinds) {
        if (object.contains(revocationField(kind))) {
            if (found) {
                return shapeError("give exactly one of identity, jti and api_key");
            }
            found = kind;
        }
    }
    if (!found) {
        return shapeError("give one of identity, jti and api_key");
    }
    return *found;
}

// The named value, checked for its kind.
Decoded<std::string> namedValue(const Json& object, RevocationKind kind) {
    const std::string_view name = revocationField(kind);
    auto value = fields::string(object, name);
    if (!value) {
        return shapeError(std::string{name} + " must be a non-empty string");
    }
    if (kind == RevocationKind::kApiKey && !token::isSid(*value, "SK")) {
        return shapeError("api_key must be an API key SID: SK followed by 32 hex digits");
    }
    if (value->size() > kMaxRevokedValueBytes) {
        return shapeError(std::string{name} + " is longer than " +
                          std::to_string(kMaxRevokedValueBytes) + " bytes");
    }
    return value;
}

Decoded<std::optional<std::int64_t>> expiresAtOf(const Json& object, RevocationKind kind) {
    if (!object.contains(field::kRevokedExpiresAt)) {
        return std::nullopt;
    }
    if (kind != RevocationKind::kTokenId) {
        return shapeError("expires_at goes with a jti only");
    }
    auto expires_at = fields::optionalInteger(object, field::kRevokedExpiresAt);
    if (!expires_at || !*expires_at || **expires_at <= 0) {
        return shapeError("expires_at must be a positive whole number of unix seconds");
    }
    return expires_at;
}

} // namespace

std::string_view revocationField(RevocationKind kind) {
    switch (kind) {
    case RevocationKind::kIdentity:
        return field::kRevokedIdentity;
    case RevocationKind::kTokenId:
        return field::kRevokedTokenId;
    case RevocationKind::kApiKey:
        return field::kRevokedApiKey;
    }
    return field::kRevokedIdentity;
}

Decoded<RevocationRequest> readRevocationRequest(std::string_view body) {
    const Json object = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) {
        return shapeError("the body must be a JSON object");
    }
    for (const auto& [name, value] : object.items()) {
        if (name != field::kRevokedIdentity && name != field::kRevokedTokenId &&
            name != field::kRevokedApiKey && name != field::kRevokedExpiresAt) {
            return shapeError("unknown field \"" + name + "\"");
        }
    }
    const auto kind = namingField(object);
    if (!kind) {
        return std::unexpected(kind.error());
    }
    auto value = namedValue(object, *kind);
    if (!value) {
        return std::unexpected(value.error());
    }
    auto expires_at = expiresAtOf(object, *kind);
    if (!expires_at) {
        return std::unexpected(expires_at.error());
    }
    return RevocationRequest{.kind = *kind, .value = std::move(*value), .expires_at = *expires_at};
}

Json encodeRevocation(const RevocationObject& revocation) {
    Json out = Json::object();
    out[std::string{revocationField(revocation.kind)}] = revocation.value;
    out[std::string{field::kRevokedAt}] = revocation.revoked_at;
    out[std::string{field::kLapsesAt}] = revocation.lapses_at;
    return out;
}

Decoded<RevocationObject> decodeRevocation(const Json& object) {
    if (!object.is_object()) {
        return shapeError("a revocation must be a JSON object");
    }
    const auto kind = namingField(object);
    if (!kind) {
        return std::unexpected(kind.error());
    }
    auto value = namedValue(object, *kind);
    const auto revoked_at = fields::integer(object, field::kRevokedAt);
    const auto lapses_at = fields::integer(object, field::kLapsesAt);
    if (!value || !revoked_at || !lapses_at) {
        return shapeError("a revocation needs its value, revoked_at and lapses_at");
    }
    return RevocationObject{.kind = *kind,
                            .value = std::move(*value),
                            .revoked_at = *revoked_at,
                            .lapses_at = *lapses_at};
}

Json revocationsReply(const std::vector<RevocationObject>& revocations) {
    Json list = Json::array();
    for (const RevocationObject& revocation : revocations) {
        list.push_back(encodeRevocation(revocation));
    }
    return Json{{field::kRevocations, std::move(list)}};
}

} // namespace parley::protocol
