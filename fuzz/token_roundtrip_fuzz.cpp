// Mint, then verify: the round-trip property of the token codec.
//
// The input drives an AccessTokenBuilder (identity, TTL and minimum, nbf, algorithm, region, key,
// every kind of grant, raw grants; strings may be any bytes). Properties:
//   - mint never throws; it fails exactly when the header says it must (empty identity, TTL
//     outside [minimum, 24 h], key without SID or secret, raw grant that is not JSON), with one of
//     those codes;
//   - a minted token up to 16 KiB verifies under its own key at the instant it was minted, and
//     gives back the identity, grants, algorithm, issuer, subject, iat, exp and nbf it was minted
//     with (strings that are not UTF-8 excepted: JSON cannot carry them);
//   - inspect() reads the same claims;
//   - the boundaries hold: valid at exp - 1 s, 20104 at exp + 1 s, 20157 under a maximum
//     lifetime one second shorter than the TTL, 20105 before nbf, 20103 under an unknown key,
//     20106 under a policy wanting another chat service;
//   - changing any one byte of the token (other than the last character of the signature, whose
//     low bits may carry no data) makes it fail.

#include "fuzz_support.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/inspect.hpp>
#include <parley/token/limits.hpp>
#include <parley/token/token_verifier.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace {

namespace token = parley::token;
namespace fuzz = parley::fuzz;
using Json = nlohmann::json;
using std::chrono::seconds;
using token::MintError;
using token::TokenError;

// Names of grants Parley does not know; none collides with a known grant or with `identity`.
constexpr std::array<std::string_view, 5> kUnknownGrantNames = {
    "ip_messaging", "rtc", "custom", "x-feature.v2", "gr\xc3\xa4nt",
};

struct Minted {
    token::ApiKey key;
    bool key_in_set = true;
    std::string identity;
    seconds ttl{};
    std::optional<token::UnixSeconds> not_before;
    token::Algorithm algorithm{};
    token::Grants grants;
    // Some string was not UTF-8, so what comes back may differ from what went in.
    bool lossy = false;
    // Expected mint failures; empty when mint must succeed.
    std::set<MintError> problems;
    // Why kInvalidGrant is expected: the JSON text that is not JSON.
    std::string not_json;
};

std::string consumeString(FuzzedDataProvider& in, std::size_t max_length, Minted& plan) {
    std::string text = in.ConsumeRandomLengthString(max_length);
    plan.lossy = plan.lossy || !fuzz::isValidUtf8(text);
    return text;
}

std::optional<std::string> maybeString(FuzzedDataProvider& in, Minted& plan) {
    if (!in.ConsumeBool()) {
        return std::nullopt;
    }
    return consumeString(in, 40, plan);
}

std::optional<std::string> maybeServiceSid(FuzzedDataProvider& in, Minted& plan) {
    switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
        return std::nullopt;
    case 1:
        return std::string{fuzz::kChatServiceSid};
    case 2:
        return std::string{fuzz::kOtherChatServiceSid};
    default:
        return consumeString(in, 40, plan);
    }
}

// A JSON value of bounded size and depth. Strings that are not UTF-8 are replaced by dump().
Json consumeJson(FuzzedDataProvider& in, int depth) {
    switch (in.ConsumeIntegralInRange(0, depth > 0 ? 6 : 4)) {
    case 0:
        return nullptr;
    case 1:
        return in.ConsumeBool();
    case 2:
        return in.ConsumeIntegral<std::int64_t>();
    case 3:
        return in.ConsumeFloatingPoint<double>();
    case 4:
        return in.ConsumeRandomLengthString(24);
    case 5: {
        Json array = Json::array();
        for (int i = in.ConsumeIntegralInRange(0, 3); i > 0; --i) {
            array.push_back(consumeJson(in, depth - 1));
        }
        return array;
    }
    default: {
        Json object = Json::object();
        for (int i = in.ConsumeIntegralInRange(0, 3); i > 0; --i) {
            object[in.ConsumeRandomLengthString(12)] = consumeJson(in, depth - 1);
        }
        return object;
    }
    }
}

std::string compactJson(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// JSON text for a raw grant or voice params: usually generated, sometimes the input's own bytes.
std::string consumeJsonText(FuzzedDataProvider& in, bool object_only) {
    if (in.ConsumeIntegralInRange(0, 7) == 0) {
        return in.ConsumeRandomLengthString(64);
    }
    Json value = consumeJson(in, 3);
    if (object_only && !value.is_object()) {
        value = Json{{"value", std::move(value)}};
    }
    return compactJson(value);
}

// What JSON text given to the builder implies: malformed text must make mint fail with
// kInvalidGrant; text parsers may read differently (duplicate keys, which generated objects get
// when keys that were not UTF-8 all become U+FFFD) cannot be compared after the round trip.
void assessJsonText(const std::string& text, Minted& plan) {
    if (fuzz::certainlyNotJson(text)) {
        plan.problems.insert(MintError::kInvalidGrant);
        plan.not_json = text;
    } else if (!fuzz::parseUnambiguous(text)) {
        plan.lossy = true;
    }
}

void consumeGrants(FuzzedDataProvider& in, token::AccessTokenBuilder& builder, Minted& plan) {
    if (in.ConsumeIntegralInRange(0, 3) != 0) { // mostly with chat, as a chat server wants
        token::ChatGrant chat{
            .service_sid = maybeServiceSid(in, plan),
            .endpoint_id = maybeString(in, plan),
            .deployment_role_sid = maybeString(in, plan),
            .push_credential_sid = maybeString(in, plan),
        };
        plan.grants.chat = chat;
        builder.chat(std::move(chat));
    }
    if (in.ConsumeBool()) {
        token::SyncGrant sync{.service_sid = maybeString(in, plan),
                              .endpoint_id = maybeString(in, plan)};
        plan.grants.sync = sync;
        builder.sync(std::move(sync));
    }
    if (in.ConsumeBool()) {
        token::VideoGrant video{.room = maybeString(in, plan)};
        plan.grants.video = video;
        builder.video(std::move(video));
    }
    if (in.ConsumeBool()) {
        token::VoiceGrant voice;
        if (in.ConsumeBool()) {
            voice.incoming = token::VoiceGrant::Incoming{.allow = in.ConsumeBool()};
        }
        if (in.ConsumeBool()) {
            token::VoiceGrant::Outgoing outgoing{.application_sid = maybeString(in, plan)};
            if (in.ConsumeBool()) {
                outgoing.params_json = consumeJsonText(in, true);
                assessJsonText(outgoing.params_json, plan);
            }
            voice.outgoing = std::move(outgoing);
        }
        voice.push_credential_sid = maybeString(in, plan);
        voice.endpoint_id = maybeString(in, plan);
        plan.grants.voice = voice;
        builder.voice(std::move(voice));
    }
    for (int i = in.ConsumeIntegralInRange(0, 2); i > 0; --i) {
        const std::string name{in.PickValueInArray(kUnknownGrantNames)};
        std::string json = consumeJsonText(in, false);
        plan.grants.other.insert_or_assign(name, json);
        builder.grant(name, std::move(json));
    }
    for (const auto& [name, json] : plan.grants.other) { // the last text given under each name
        assessJsonText(json, plan);
    }
}

token::ApiKey consumeKey(FuzzedDataProvider& in, Minted& plan) {
    const auto keys = fuzz::fuzzKeys();
    switch (in.ConsumeIntegralInRange(0, 5)) {
    case 0:
        return keys[0];
    case 1:
        return keys[1];
    case 2:
        // The key set's own entry, account and all: a key that checks no `sub` mints with none.
        return keys[2];
    case 3:
        return {.sid = keys[2].sid,
                .account_sid = std::string{fuzz::kOtherAccountSid},
                .secret = keys[2].secret};
    case 4:
        plan.key_in_set = false;
        return {.sid = std::string{fuzz::kUnknownKeySid},
                .account_sid = std::string{fuzz::kAccountSid},
                .secret = "not-in-the-key-set"};
    default:
        plan.problems.insert(MintError::kInvalidApiKey);
        return {.sid = std::string{fuzz::kApiKeySid},
                .account_sid = std::string{fuzz::kAccountSid},
                .secret = ""};
    }
}

// Minting clocks: a fixed epoch plus an input-chosen offset of up to ~30 years either way, with
// milliseconds, so issue times are not always whole seconds.
token::TimePoint consumeMintTime(FuzzedDataProvider& in) {
    const auto offset_ms =
        in.ConsumeIntegralInRange<std::int64_t>(-1'000'000'000'000, 1'000'000'000'000);
    return token::TimePoint{seconds{fuzz::kNowSeconds}} + std::chrono::milliseconds{offset_ms};
}

token::KeySet& keySet() {
    static token::KeySet keys{fuzz::fuzzKeys()};
    return keys;
}

// Verifiers read the time through these; each input sets them before use.
token::ManualClock& mintClock() {
    static token::ManualClock clock{fuzz::fuzzNow()};
    return clock;
}
token::ManualClock& laterClock() {
    static token::ManualClock clock{fuzz::fuzzNow()};
    return clock;
}

const token::TokenVerifier& plainVerifier() {
    static const token::TokenVerifier verifier{keySet(), {}, mintClock()};
    return verifier;
}
const token::TokenVerifier& laterVerifier() {
    static const token::TokenVerifier verifier{keySet(), {}, laterClock()};
    return verifier;
}
const token::TokenVerifier& chatVerifier() {
    static const token::TokenVerifier verifier{
        keySet(),
        {.required_grant = token::GrantKind::kChat,
         .chat_service_sid = std::string{fuzz::kChatServiceSid}},
        mintClock()};
    return verifier;
}

bool sameJson(const std::string& left, const std::string& right) {
    if (left.empty() || right.empty()) {
        return left == right;
    }
    const auto left_value = fuzz::parseUnambiguous(left);
    const auto right_value = fuzz::parseUnambiguous(right);
    return left_value && right_value && *left_value == *right_value;
}

std::string show(const std::optional<std::string>& text) {
    return text ? "'" + fuzz::printable(*text, 80) + "'" : std::string{"(none)"};
}

// How two grants differ, field by field, or "" when they do not. JSON text (raw grants, voice
// params) is compared by meaning, since the verifier minifies what the builder serialized.
std::string grantsDifference(const token::Grants& got, const token::Grants& want) {
    const auto field = [](const char* name, const std::optional<std::string>& got_value,
                          const std::optional<std::string>& want_value) {
        return got_value == want_value
                   ? std::string{}
                   : std::string{name} + " " + show(got_value) + ", minted " + show(want_value);
    };
    std::string difference;
    const auto note = [&](const std::string& what) {
        if (!what.empty()) {
            difference += (difference.empty() ? "" : "; ") + what;
        }
    };
    note(got.identity == want.identity ? "" : field("identity", got.identity, want.identity));
    note(got.chat.has_value() == want.chat.has_value() ? "" : "chat presence");
    if (got.chat && want.chat) {
        note(field("chat.service_sid", got.chat->service_sid, want.chat->service_sid));
        note(field("chat.endpoint_id", got.chat->endpoint_id, want.chat->endpoint_id));
        note(field("chat.deployment_role_sid", got.chat->deployment_role_sid,
                   want.chat->deployment_role_sid));
        note(field("chat.push_credential_sid", got.chat->push_credential_sid,
                   want.chat->push_credential_sid));
    }
    note(got.sync == want.sync ? "" : "data_sync differs");
    note(got.video == want.video ? "" : "video differs");
    if (got.voice.has_value() != want.voice.has_value()) {
        note("voice presence");
    } else if (got.voice) {
        token::VoiceGrant got_voice = *got.voice;
        token::VoiceGrant want_voice = *want.voice;
        if (got_voice.outgoing && want_voice.outgoing) {
            note(sameJson(got_voice.outgoing->params_json, want_voice.outgoing->params_json)
                     ? ""
                     : field("voice.outgoing.params", got_voice.outgoing->params_json,
                             want_voice.outgoing->params_json));
            got_voice.outgoing->params_json.clear();
            want_voice.outgoing->params_json.clear();
        }
        note(got_voice == want_voice ? "" : "voice differs");
    }
    for (const auto& [name, json] : want.other) {
        const auto found = got.other.find(name);
        note(found == got.other.end() ? "raw grant " + fuzz::printable(name) + " dropped"
                                      : (sameJson(found->second, json)
                                             ? ""
                                             : field(("raw grant " + fuzz::printable(name)).c_str(),
                                                     found->second, json)));
    }
    note(got.other.size() == want.other.size() ? "" : "raw grant count");
    return difference;
}

long long unixSeconds(token::UnixSeconds time) {
    return static_cast<long long>(time.time_since_epoch().count());
}

void checkSameClaims(const token::Claims& got, const token::Claims& want, const char* what) {
    FUZZ_CHECK(got.algorithm == want.algorithm && got.token_id == want.token_id &&
                   got.issuer == want.issuer && got.subject == want.subject &&
                   got.issued_at == want.issued_at && got.expires_at == want.expires_at &&
                   got.not_before == want.not_before && got.grants == want.grants,
               "%s read other claims than verify", what);
}

// The claims verify returned hold what the builder was given.
void checkMintedClaims(const token::Claims& claims, const Minted& plan, token::UnixSeconds iat) {
    FUZZ_CHECK(claims.algorithm == plan.algorithm, "algorithm changed");
    FUZZ_CHECK(!claims.token_id.empty(), "no jti");
    FUZZ_CHECK(claims.issuer == plan.key.sid, "issuer %s", fuzz::printable(claims.issuer).c_str());
    FUZZ_CHECK(claims.subject == plan.key.account_sid, "subject %s",
               fuzz::printable(claims.subject).c_str());
    FUZZ_CHECK(claims.issued_at == iat, "iat %lld, minted at %lld",
               claims.issued_at ? unixSeconds(*claims.issued_at) : -1LL, unixSeconds(iat));
    FUZZ_CHECK(claims.expires_at == iat + plan.ttl, "exp %lld, minted at %lld with ttl %lld",
               unixSeconds(claims.expires_at), unixSeconds(iat),
               static_cast<long long>(plan.ttl.count()));
    FUZZ_CHECK(claims.not_before == plan.not_before, "nbf changed");
    if (!plan.lossy) {
        FUZZ_CHECK(claims.identity() == plan.identity, "identity '%s', minted '%s'",
                   fuzz::printable(claims.identity()).c_str(),
                   fuzz::printable(plan.identity).c_str());
        const std::string difference = grantsDifference(claims.grants, plan.grants);
        FUZZ_CHECK(difference.empty(), "grants changed in the round trip: %s", difference.c_str());
    }
}

// Verifies `token_text` and checks the outcome is `expected` (nullopt: accepted).
std::expected<token::Claims, token::TokenFailure>
verifyExpecting(const token::TokenVerifier& verifier, const std::string& token_text,
                std::optional<TokenError> expected, const char* situation) {
    auto result = verifier.verify(token_text);
    const int got = result ? 0 : result.error().wireCode();
    const int want = expected ? static_cast<int>(*expected) : 0;
    FUZZ_CHECK(got == want, "%s: expected %d, got %d (%s)", situation, want, got,
               result ? "accepted" : fuzz::printable(result.error().message).c_str());
    return result;
}

void checkTampering(FuzzedDataProvider& in, std::string token_text) {
    const std::size_t last = token_text.size() - 1; // the signature's last character
    const std::size_t at = in.ConsumeIntegralInRange<std::size_t>(0, last - 1);
    auto replacement = in.ConsumeIntegral<char>();
    if (replacement == token_text[at]) {
        replacement = static_cast<char>(replacement + 1);
    }
    token_text[at] = replacement;
    const auto result = plainVerifier().verify(token_text);
    FUZZ_CHECK(!result, "accepted after byte %zu became 0x%02x", at,
               static_cast<unsigned>(static_cast<unsigned char>(replacement)));
    FUZZ_CHECK(fuzz::isContractCode(result.error().code), "tampered token failed with %d",
               result.error().wireCode());
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    Minted plan;
    plan.key = consumeKey(in, plan);
    token::AccessTokenBuilder builder{plan.key};

    const auto minted_at = consumeMintTime(in);
    const auto iat = std::chrono::floor<seconds>(minted_at);
    mintClock().set(minted_at);

    auto minimum = token::kMinTtl;
    if (in.ConsumeBool()) {
        minimum = seconds{in.ConsumeIntegralInRange<std::int64_t>(1, token::kMaxTtl.count())};
        builder.minimumTtl(minimum);
    }
    plan.ttl = seconds{in.ConsumeIntegralInRange<std::int64_t>(-10, 2 * token::kMaxTtl.count())};
    if (in.ConsumeIntegralInRange(0, 3) == 0) {
        plan.ttl = seconds{
            in.ConsumeIntegralInRange<std::int64_t>(minimum.count() - 1, minimum.count() + 1)};
    }
    builder.ttl(plan.ttl);
    if (plan.ttl < minimum || plan.ttl > token::kMaxTtl) {
        plan.problems.insert(MintError::kTtlOutOfRange);
    }
    if (in.ConsumeBool()) {
        plan.not_before = iat + seconds{in.ConsumeIntegralInRange<std::int64_t>(-100'000, 100'000)};
        builder.notBefore(*plan.not_before);
    }
    plan.algorithm = in.PickValueInArray(
        {token::Algorithm::kHs256, token::Algorithm::kHs384, token::Algorithm::kHs512});
    builder.algorithm(plan.algorithm);
    if (in.ConsumeBool()) {
        builder.region(consumeString(in, 16, plan));
    }
    consumeGrants(in, builder, plan);
    plan.identity = consumeString(in, in.remaining_bytes(), plan); // the rest: up to ~20 KB
    plan.grants.identity = plan.identity;
    builder.identity(plan.identity);
    if (plan.identity.empty()) {
        plan.problems.insert(MintError::kMissingIdentity);
    }
    if (plan.key.account_sid.empty()) {
        plan.lossy = true; // minting without an account: either refused or verifiable
    }

    const auto minted = builder.mint(mintClock());
    if (!minted) {
        FUZZ_CHECK(plan.lossy || plan.problems.contains(minted.error().code),
                   "mint failed with %d (%s), not an expected failure",
                   static_cast<int>(minted.error().code),
                   fuzz::printable(minted.error().message).c_str());
        return 0;
    }
    FUZZ_CHECK(plan.problems.empty(), "mint succeeded despite problem %d (not JSON: '%s')",
               static_cast<int>(*plan.problems.begin()), fuzz::printable(plan.not_json).c_str());
    const std::string& token_text = *minted;

    if (token_text.size() > token::kMaxTokenBytes) {
        verifyExpecting(plainVerifier(), token_text, TokenError::kInvalidToken, "over 16 KiB");
        const auto inspected = token::inspect(token_text);
        FUZZ_CHECK(!inspected && inspected.error().code == TokenError::kInvalidToken,
                   "inspect of a %zu-byte token", token_text.size());
        return 0;
    }
    if (!plan.key_in_set) {
        verifyExpecting(plainVerifier(), token_text, TokenError::kInvalidIssuer, "unknown key");
        return 0;
    }

    // At the instant of minting.
    const bool early = plan.not_before && *plan.not_before > iat;
    const std::optional<TokenError> now_outcome =
        early ? std::optional{TokenError::kNotYetValid} : std::nullopt;
    const auto verified = verifyExpecting(plainVerifier(), token_text, now_outcome, "just minted");
    if (verified) {
        checkMintedClaims(*verified, plan, iat);
        const auto inspected = token::inspect(token_text);
        FUZZ_CHECK(inspected && inspected->claims, "inspect could not read a minted token");
        checkSameClaims(*inspected->claims, *verified, "inspect");
    }

    // Policy wanting our chat service.
    if (!early) {
        std::optional<TokenError> chat_outcome = TokenError::kInvalidGrants;
        if (plan.grants.chat && plan.grants.chat->service_sid == fuzz::kChatServiceSid) {
            chat_outcome = std::nullopt;
        }
        if (!plan.grants.chat || plan.grants.chat->service_sid) {
            verifyExpecting(chatVerifier(), token_text, chat_outcome, "chat policy");
        }
    }

    // Lifetime limit: one second short refuses, exactly the TTL accepts.
    const token::TokenVerifier tight{
        keySet(), {.max_lifetime = plan.ttl - seconds{1}}, mintClock()};
    verifyExpecting(tight, token_text, TokenError::kLifetimeTooLong, "max lifetime ttl - 1 s");
    const token::TokenVerifier exact{keySet(), {.max_lifetime = plan.ttl}, mintClock()};
    verifyExpecting(exact, token_text, now_outcome, "max lifetime ttl");

    // Expiry boundary, in whole seconds.
    const auto exp = iat + plan.ttl;
    laterClock().set(exp - seconds{1});
    const bool early_then = plan.not_before && *plan.not_before > exp - seconds{1};
    verifyExpecting(laterVerifier(), token_text,
                    early_then ? std::optional{TokenError::kNotYetValid} : std::nullopt,
                    "at exp - 1 s");
    laterClock().set(exp + seconds{1});
    verifyExpecting(laterVerifier(), token_text, TokenError::kExpired, "at exp + 1 s");

    checkTampering(in, token_text);
    return 0;
}
