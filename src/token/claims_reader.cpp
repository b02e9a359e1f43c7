#include "token/claims_reader.hpp"

#include "token/failure.hpp"

#include <array>
#include <cstdint>
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

// One optional string field of a grant, by name.
template <typename Grant> struct StringField {
    std::string_view name;
    std::optional<std::string> Grant::*member;
};

// Reads the string fields of a grant in one pass over its object rather than one lookup per
// field (a lookup walks the whole object). Answers as the lookups would: the first occurrence of
// a repeated field is the one read, a field present and not a string makes the grant malformed,
// and fields not listed are ignored.
template <typename Grant, std::size_t N>
bool readStringFields(const object& grant, const std::array<StringField<Grant>, N>& fields,
                      Grant& out) {
    static_assert(N <= 32, "seen is a 32-bit mask");
    std::uint32_t seen = 0;
    for (const auto field : grant) {
        const std::string_view key = field.key;
        for (std::size_t i = 0; i < N; ++i) {
            if (key != fields[i].name) {
                continue;
            }
            const std::uint32_t bit = std::uint32_t{1} << i;
            if ((seen & bit) == 0) {
                seen |= bit;
                std::string_view text;
                if (field.value.get(text) != simdjson::SUCCESS) {
                    return false;
                }
                (out.*fields[i].member).emplace(text);
            }
            break;
        }
    }
    return true;
}

constexpr std::array<StringField<ChatGrant>, 4> kChatFields{{
    {"service_sid", &ChatGrant::service_sid},
    {"endpoint_id", &ChatGrant::endpoint_id},
    {"deployment_role_sid", &ChatGrant::deployment_role_sid},
    {"push_credential_sid", &ChatGrant::push_credential_sid},
}};

constexpr std::array<StringField<SyncGrant>, 2> kSyncFields{{
    {"service_sid", &SyncGrant::service_sid},
    {"endpoint_id", &SyncGrant::endpoint_id},
}};

constexpr std::array<StringField<VideoGrant>, 1> kVideoFields{{
    {"room", &VideoGrant::room},
}};

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

// Reads one known grant into `grants`, in place; false when it has the wrong shape. A repeated
// grant replaces the earlier one.
bool readKnownGrant(std::string_view name, const element& value, Grants& grants) {
    object grant;
    if (value.get(grant) != simdjson::SUCCESS) {
        return false;
    }
    if (name == "chat") {
        return readStringFields(grant, kChatFields, grants.chat.emplace());
    }
    if (name == "data_sync") {
        return readStringFields(grant, kSyncFields, grants.sync.emplace());
    }
    if (name == "video") {
        return readStringFields(grant, kVideoFields, grants.video.emplace());
    }
    grants.voice = readVoice(grant);
    return grants.voice.has_value();
}

// Where locateClaims keeps `key`, or nullptr for a claim it does not read. By length first: all
// but one registered claim name has three characters.
std::optional<element>* claimSlot(PayloadFields& fields, std::string_view key) {
    if (key.size() == 3) {
        if (key == "jti") {
            return &fields.jti;
        }
        if (key == "iss") {
            return &fields.iss;
        }
        if (key == "sub") {
            return &fields.sub;
        }
        if (key == "iat") {
            return &fields.iat;
        }
        if (key == "exp") {
            return &fields.exp;
        }
        if (key == "nbf") {
            return &fields.nbf;
        }
        return nullptr;
    }
    return key == "grants" ? &fields.grants : nullptr;
}

bool isKnownGrant(std::string_view name) {
    return name == "chat" || name == "data_sync" || name == "video" || name == "voice";
}

} // namespace

std::expected<void, TokenFailure> locateClaims(element payload, PayloadFields& fields) {
    object claims;
    if (payload.get(claims) != simdjson::SUCCESS) {
        return fail(TokenError::kInvalidToken, "payload is not a JSON object");
    }
    for (const auto field : claims) {
        const std::string_view key = field.key;
        std::optional<element>* slot = claimSlot(fields, key);
        if (slot == nullptr) {
            continue;
        }
        if (slot->has_value()) {
            return fail(TokenError::kInvalidToken,
                        "payload repeats the claim \"" + std::string{key} + "\"");
        }
        *slot = field.value;
    }
    return {};
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

std::expected<void, TokenFailure> readGrants(const PayloadFields& fields, Grants& grants) {
    object grants_object;
    if (!fields.grants || fields.grants->get(grants_object) != simdjson::SUCCESS) {
        return fail(TokenError::kInvalidGrants, "token has no grants object");
    }
    for (const auto field : grants_object) {
        const std::string_view name = field.key;
        if (name == "identity") {
            std::string_view identity;
            if (field.value.get(identity) != simdjson::SUCCESS) {
                return fail(TokenError::kInvalidGrants, "grants.identity is not a string");
            }
            grants.identity.assign(identity);
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
    return {};
}

} // namespace parley::token
