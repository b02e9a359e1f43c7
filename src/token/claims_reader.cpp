#include "token/claims_reader.hpp"

#include "token/failure.hpp"

#include <string>

namespace parley::token {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Claims outside this range (before year 0 or after 9999) are absurd, and keeping them out means
// `exp - iat` and conversions to milliseconds can never overflow.
constexpr std::int64_t kMinUnixSeconds = -62167219200;
constexpr std::int64_t kMaxUnixSeconds = 253402300799;

std::optional<UnixSeconds> integerSeconds(const element& value) {
    std::int64_t seconds = 0;
    if (value.get(seconds) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return UnixSeconds{std::chrono::seconds{seconds}};
}

bool inRange(UnixSeconds time) {
    const auto seconds = time.time_since_epoch().count();
    return seconds >= kMinUnixSeconds && seconds <= kMaxUnixSeconds;
}

// Reads an optional string field of a grant object. Absent is fine; present and not a string is
// a malformed grant.
bool readOptionalString(const object& grant, std::string_view field,
                        std::optional<std::string>& out) {
    element value;
    if (grant[field].get(value) != simdjson::SUCCESS) {
        return true;
    }
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
        return false;
    }
    out = std::string{text};
    return true;
}

std::optional<ChatGrant> readChat(const object& grant) {
    ChatGrant chat;
    if (readOptionalString(grant, "service_sid", chat.service_sid) &&
        readOptionalString(grant, "endpoint_id", chat.endpoint_id) &&
        readOptionalString(grant, "deployment_role_sid", chat.deployment_role_sid) &&
        readOptionalString(grant, "push_credential_sid", chat.push_credential_sid)) {
        return chat;
    }
    return std::nullopt;
}

std::optional<SyncGrant> readSync(const object& grant) {
    SyncGrant sync;
    if (readOptionalString(grant, "service_sid", sync.service_sid) &&
        readOptionalString(grant, "endpoint_id", sync.endpoint_id)) {
        return sync;
    }
    return std::nullopt;
}

std::optional<VideoGrant> readVideo(const object& grant) {
    VideoGrant video;
    if (readOptionalString(grant, "room", video.room)) {
        return video;
    }
    return std::nullopt;
}

std::optional<VoiceGrant> readVoice(const object& grant) {
    VoiceGrant voice;
    if (!readOptionalString(grant, "push_credential_sid", voice.push_credential_sid) ||
        !readOptionalString(grant, "endpoint_id", voice.endpoint_id)) {
        return std::nullopt;
    }
    element incoming;
    if (grant["incoming"].get(incoming) == simdjson::SUCCESS) {
        object incoming_object;
        if (incoming.get(incoming_object) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        bool allow = false;
        element allow_value;
        if (incoming_object["allow"].get(allow_value) == simdjson::SUCCESS &&
            allow_value.get(allow) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        voice.incoming = VoiceGrant::Incoming{.allow = allow};
    }
    element outgoing;
    if (grant["outgoing"].get(outgoing) == simdjson::SUCCESS) {
        object outgoing_object;
        if (outgoing.get(outgoing_object) != simdjson::SUCCESS) {
            return std::nullopt;
        }
        VoiceGrant::Outgoing out;
        if (!readOptionalString(outgoing_object, "application_sid", out.application_sid)) {
            return std::nullopt;
        }
        element params;
        if (outgoing_object["params"].get(params) == simdjson::SUCCESS) {
            if (!params.is_object()) {
                return std::nullopt;
            }
            out.params_json = simdjson::minify(params);
        }
        voice.outgoing = std::move(out);
    }
    return voice;
}

// Reads one known grant into `grants`; false when it has the wrong shape.
bool readKnownGrant(std::string_view name, const element& value, Grants& grants) {
    object grant;
    if (value.get(grant) != simdjson::SUCCESS) {
        return false;
    }
    if (name == "chat") {
        grants.chat = readChat(grant);
        return grants.chat.has_value();
    }
    if (name == "data_sync") {
        grants.sync = readSync(grant);
        return grants.sync.has_value();
    }
    if (name == "video") {
        grants.video = readVideo(grant);
        return grants.video.has_value();
    }
    grants.voice = readVoice(grant);
    return grants.voice.has_value();
}

bool isKnownGrant(std::string_view name) {
    return name == "chat" || name == "data_sync" || name == "video" || name == "voice";
}

} // namespace

std::expected<PayloadFields, TokenFailure> locateClaims(element payload) {
    object claims;
    if (payload.get(claims) != simdjson::SUCCESS) {
        return fail(TokenError::kInvalidToken, "payload is not a JSON object");
    }
    PayloadFields fields;
    for (const auto field : claims) {
        std::optional<element>* slot = nullptr;
        const std::string_view key = field.key;
        if (key == "jti") {
            slot = &fields.jti;
        } else if (key == "iss") {
            slot = &fields.iss;
        } else if (key == "sub") {
            slot = &fields.sub;
        } else if (key == "iat") {
            slot = &fields.iat;
        } else if (key == "exp") {
            slot = &fields.exp;
        } else if (key == "nbf") {
            slot = &fields.nbf;
        } else if (key == "grants") {
            slot = &fields.grants;
        } else {
            continue;
        }
        if (slot->has_value()) {
            return fail(TokenError::kInvalidToken,
                        "payload repeats the claim \"" + std::string{key} + "\"");
        }
        *slot = field.value;
    }
    return fields;
}

std::string_view stringClaim(const std::optional<element>& claim) {
    std::string_view text;
    if (!claim || claim->get(text) != simdjson::SUCCESS) {
        return {};
    }
    return text;
}

std::expected<std::string_view, TokenFailure> readIssuer(const PayloadFields& fields) {
    const std::string_view issuer = stringClaim(fields.iss);
    if (issuer.empty()) {
        return fail(TokenError::kInvalidIssuer, "token has no iss (API key SID)");
    }
    return issuer;
}

std::expected<TimeClaims, TokenFailure> readTimes(const PayloadFields& fields) {
    TimeClaims times;
    if (!fields.exp) {
        return fail(TokenError::kExpired, "token has no exp");
    }
    const auto expires_at = integerSeconds(*fields.exp);
    if (!expires_at) {
        return fail(TokenError::kExpired, "token exp is not an integer");
    }
    if (!inRange(*expires_at)) {
        // Far past: expired. Far future: a lifetime no policy allows.
        return expires_at->time_since_epoch().count() < 0
                   ? fail(TokenError::kExpired, "token exp is before year 0")
                   : fail(TokenError::kLifetimeTooLong, "token exp is after year 9999");
    }
    times.expires_at = *expires_at;
    if (fields.iat) {
        times.issued_at = integerSeconds(*fields.iat);
        if (!times.issued_at || !inRange(*times.issued_at)) {
            return fail(TokenError::kInvalidToken, "token iat is not an integer unix time");
        }
    }
    if (fields.nbf) {
        times.not_before = integerSeconds(*fields.nbf);
        if (!times.not_before) {
            return fail(TokenError::kNotYetValid, "token nbf is not an integer");
        }
        if (!inRange(*times.not_before)) {
            return times.not_before->time_since_epoch().count() < 0
                       ? fail(TokenError::kNotYetValid, "token nbf is out of range")
                       : fail(TokenError::kNotYetValid, "token nbf is after year 9999");
        }
    }
    return times;
}

std::expected<Grants, TokenFailure> readGrants(const PayloadFields& fields) {
    object grants_object;
    if (!fields.grants || fields.grants->get(grants_object) != simdjson::SUCCESS) {
        return fail(TokenError::kInvalidGrants, "token has no grants object");
    }
    Grants grants;
    for (const auto field : grants_object) {
        const std::string_view name = field.key;
        if (name == "identity") {
            std::string_view identity;
            if (field.value.get(identity) != simdjson::SUCCESS) {
                return fail(TokenError::kInvalidGrants, "grants.identity is not a string");
            }
            grants.identity = std::string{identity};
        } else if (isKnownGrant(name)) {
            if (!readKnownGrant(name, field.value, grants)) {
                return fail(TokenError::kInvalidGrants,
                            "grants." + std::string{name} + " is malformed");
            }
        } else {
            grants.other.insert_or_assign(std::string{name}, simdjson::minify(field.value));
        }
    }
    if (grants.identity.empty()) {
        return fail(TokenError::kInvalidGrants, "token has no identity");
    }
    return grants;
}

} // namespace parley::token
