// Tokens with arbitrary claims and a valid signature: what an attacker cannot forge but a careless
// or hostile token service can mint, and the only way to reach the claim checks that random
// bytes never get past the HMAC to.
//
// Input: header JSON, a newline, payload JSON. Without a newline the whole input is the payload
// under the header Parley itself writes. The target base64url-encodes both, signs them with the
// key the payload's `iss` names (its own HMAC, not src/token's), and verifies at a fixed time.
//
// Properties: no crash, exception, leak or UB; every failure carries a contract code; a token
// over 16 KiB or whose header or payload is not JSON fails with 20101; a correctly signed token
// never fails with 20107; the code is the one the contract's order of checks gives, wherever the
// contract decides it (expect() below, a model of the token codes in docs/protocol.md); and an
// accepted token's claims are the ones in its JSON.

#include "fuzz_support.hpp"

#include <parley/token/algorithm.hpp>
#include <parley/token/limits.hpp>
#include <parley/token/token_verifier.hpp>

#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace {

namespace token = parley::token;
namespace fuzz = parley::fuzz;
using Json = nlohmann::json;
using token::TokenError;

constexpr std::string_view kDefaultHeader = R"({"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"})";

const token::VerifyPolicy& policy() {
    static const token::VerifyPolicy instance{
        .required_grant = token::GrantKind::kChat,
        .chat_service_sid = std::string{fuzz::kChatServiceSid},
    };
    return instance;
}

const token::TokenVerifier& verifier() {
    static const token::ManualClock clock{fuzz::fuzzNow()};
    static const token::TokenVerifier instance{token::KeySet{fuzz::fuzzKeys()}, policy(), clock};
    return instance;
}

// What the contract says the verifier must answer. kOpen where it does not decide (a claim of the
// wrong JSON type where the contract names no code, values beyond year 0..9999, and so on): then
// any contract code will do.
struct Expectation {
    enum class Kind { kAccept, kReject, kOpen };
    Kind kind = Kind::kOpen;
    TokenError code{};
    // The token got past the signature check: its key is known and it is signed with it.
    bool signature_checked = false;
};

Expectation open(bool signature_checked = false) {
    return {.kind = Expectation::Kind::kOpen, .signature_checked = signature_checked};
}
Expectation reject(TokenError code, bool signature_checked = false) {
    return {
        .kind = Expectation::Kind::kReject, .code = code, .signature_checked = signature_checked};
}

// A JSON integer that fits std::int64_t; nullopt for anything else.
std::optional<std::int64_t> integer(const Json& value) {
    if (value.is_number_unsigned()) {
        const auto unsigned_value = value.get<std::uint64_t>();
        if (unsigned_value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(unsigned_value);
    }
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    return std::nullopt;
}

// True for a number with a fraction (or not finite): certainly "not an integer". 1.0 and 1e3
// are left open, as JSON does not say whether they are integers.
bool hasFraction(const Json& value) {
    if (!value.is_number_float()) {
        return false;
    }
    const double number = value.get<double>();
    return !std::isfinite(number) || std::trunc(number) != number;
}

// Years 0 to 9999, as src/token bounds its time claims; the contract is silent beyond.
bool plausibleTime(std::int64_t seconds) {
    return seconds >= -62167219200 && seconds <= 253402300799;
}

bool isOptionalString(const Json& object, const char* field) {
    const auto found = object.find(field);
    return found == object.end() || found->is_string();
}

// The known grants' shapes (docs/protocol.md); a grant of another shape gets no code from the
// contract.
bool wellShapedGrants(const Json& grants) {
    if (const auto chat = grants.find("chat"); chat != grants.end()) {
        if (!chat->is_object() || !isOptionalString(*chat, "service_sid") ||
            !isOptionalString(*chat, "endpoint_id") ||
            !isOptionalString(*chat, "deployment_role_sid") ||
            !isOptionalString(*chat, "push_credential_sid")) {
            return false;
        }
    }
    if (const auto sync = grants.find("data_sync"); sync != grants.end()) {
        if (!sync->is_object() || !isOptionalString(*sync, "service_sid") ||
            !isOptionalString(*sync, "endpoint_id")) {
            return false;
        }
    }
    if (const auto video = grants.find("video"); video != grants.end()) {
        if (!video->is_object() || !isOptionalString(*video, "room")) {
            return false;
        }
    }
    if (const auto voice = grants.find("voice"); voice != grants.end()) {
        if (!voice->is_object() || !isOptionalString(*voice, "push_credential_sid") ||
            !isOptionalString(*voice, "endpoint_id")) {
            return false;
        }
        if (const auto incoming = voice->find("incoming"); incoming != voice->end()) {
            if (!incoming->is_object() ||
                (incoming->contains("allow") && !(*incoming)["allow"].is_boolean())) {
                return false;
            }
        }
        if (const auto outgoing = voice->find("outgoing"); outgoing != voice->end()) {
            if (!outgoing->is_object() || !isOptionalString(*outgoing, "application_sid") ||
                (outgoing->contains("params") && !(*outgoing)["params"].is_object())) {
                return false;
            }
        }
    }
    return true;
}

std::optional<Expectation> expectHeader(const Json& header) {
    if (!header.is_object() || header.contains("crit")) {
        return open();
    }
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string() ||
        !token::parseAlgorithm(alg->get<std::string>())) {
        return reject(TokenError::kInvalidHeader);
    }
    const auto typ = header.find("typ");
    const auto cty = header.find("cty");
    if (typ == header.end() || cty == header.end()) {
        return open(); // "wrong typ or cty": whether a missing one is wrong is not said
    }
    if (!typ->is_string() || !cty->is_string()) {
        return reject(TokenError::kInvalidHeader);
    }
    const auto typ_text = typ->get<std::string>();
    const auto cty_text = cty->get<std::string>();
    if (typ_text == "JWT" && cty_text == token::kContentType) {
        return std::nullopt;
    }
    // Media type names compare case-insensitively (RFC 7515, 4.1.9); the contract does not say.
    const auto lower = [](std::string text) {
        for (char& c : text) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        return text;
    };
    if (lower(typ_text) == "jwt" && lower(cty_text) == token::kContentType) {
        return open();
    }
    return reject(TokenError::kInvalidHeader);
}

// Issuer, subject and the time claims, in the contract's order.
std::optional<Expectation> expectIssuerAndTimes(const Json& payload) {
    const auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() || !fuzz::accountFor(iss->get<std::string>())) {
        return reject(TokenError::kInvalidIssuer);
    }
    const auto account = *fuzz::accountFor(iss->get<std::string>());
    const auto sub = payload.find("sub");
    const bool sub_is_account =
        sub != payload.end() && sub->is_string() && sub->get<std::string>() == account;
    if (account.empty() && !sub_is_account) {
        return open(true); // a key that checks no sub: is a missing or odd sub acceptable?
    }
    if (!sub_is_account) {
        return reject(TokenError::kInvalidIssuer, true);
    }

    const auto exp = payload.find("exp");
    if (exp == payload.end() || !exp->is_number() || hasFraction(*exp)) {
        return reject(TokenError::kExpired, true);
    }
    const auto expires_at = integer(*exp);
    if (!expires_at) {
        return open(true);
    }
    std::optional<std::int64_t> issued_at;
    if (const auto iat = payload.find("iat"); iat != payload.end()) {
        issued_at = integer(*iat);
        if (!issued_at || !plausibleTime(*issued_at) || !plausibleTime(*expires_at)) {
            return open(true);
        }
    }
    std::optional<std::int64_t> not_before;
    if (const auto nbf = payload.find("nbf"); nbf != payload.end()) {
        not_before = integer(*nbf);
        if (!not_before || !plausibleTime(*not_before)) {
            return open(true);
        }
    }

    const fuzz::WideSeconds now = fuzz::kNowSeconds;
    const fuzz::WideSeconds max_lifetime = policy().max_lifetime.count();
    const fuzz::WideSeconds exp_wide = *expires_at;
    if (issued_at) {
        if (exp_wide - *issued_at > max_lifetime) {
            return reject(TokenError::kLifetimeTooLong, true);
        }
        if (exp_wide - now > max_lifetime) {
            return open(true); // an iat in the future; the contract measures exp - iat only
        }
    } else if (exp_wide - now > max_lifetime) {
        return reject(TokenError::kLifetimeTooLong, true);
    }
    if (exp_wide < now) {
        return reject(TokenError::kExpired, true);
    }
    if (exp_wide == now) {
        return open(true); // the contract does not say whether a token is valid at its exp
    }
    if (not_before && *not_before > now) {
        return reject(TokenError::kNotYetValid, true);
    }
    return std::nullopt;
}

std::optional<Expectation> expectGrants(const Json& payload) {
    const auto grants = payload.find("grants");
    if (grants == payload.end() || !grants->is_object()) {
        return reject(TokenError::kInvalidGrants, true);
    }
    const auto identity = grants->find("identity");
    if (identity == grants->end() ||
        (identity->is_string() && identity->get_ref<const std::string&>().empty())) {
        return reject(TokenError::kInvalidGrants, true);
    }
    if (!identity->is_string() || !wellShapedGrants(*grants)) {
        return open(true);
    }
    const auto chat = grants->find("chat");
    if (chat == grants->end()) {
        return reject(TokenError::kInvalidGrants, true);
    }
    const auto service = chat->find("service_sid");
    if (service == chat->end()) {
        return open(true);
    }
    if (service->get<std::string>() != fuzz::kChatServiceSid) {
        return reject(TokenError::kInvalidGrants, true);
    }
    return std::nullopt;
}

// The contract's answer for a correctly signed token made of `header` and `payload`.
Expectation expect(const Json& header, const Json& payload) {
    if (auto decided = expectHeader(header)) {
        return *decided;
    }
    if (!payload.is_object()) {
        return open();
    }
    if (auto decided = expectIssuerAndTimes(payload)) {
        return *decided;
    }
    if (auto decided = expectGrants(payload)) {
        return *decided;
    }
    return {.kind = Expectation::Kind::kAccept, .signature_checked = true};
}

// An accepted token's claims are the ones its JSON holds.
void checkClaimsMatch(const token::Claims& claims, const Json& header, const Json& payload) {
    FUZZ_CHECK(token::algorithmName(claims.algorithm) == header["alg"].get<std::string>(),
               "algorithm %s for alg %s",
               std::string{token::algorithmName(claims.algorithm)}.c_str(),
               header["alg"].dump().c_str());
    FUZZ_CHECK(claims.issuer == payload["iss"].get<std::string>(), "issuer %s",
               fuzz::printable(claims.issuer).c_str());
    FUZZ_CHECK(claims.expires_at.time_since_epoch().count() == integer(payload["exp"]),
               "expires_at %lld",
               static_cast<long long>(claims.expires_at.time_since_epoch().count()));
    const auto iat = payload.find("iat");
    FUZZ_CHECK((iat == payload.end()) == !claims.issued_at, "issued_at presence");
    FUZZ_CHECK(iat == payload.end() ||
                   claims.issued_at->time_since_epoch().count() == integer(*iat),
               "issued_at differs from iat");
    const auto nbf = payload.find("nbf");
    FUZZ_CHECK((nbf == payload.end()) == !claims.not_before, "not_before presence");
    FUZZ_CHECK(nbf == payload.end() ||
                   claims.not_before->time_since_epoch().count() == integer(*nbf),
               "not_before differs from nbf");

    const Json& grants = payload["grants"];
    FUZZ_CHECK(claims.identity() == grants["identity"].get<std::string>(), "identity '%s' for %s",
               fuzz::printable(claims.identity()).c_str(), grants["identity"].dump().c_str());
    const Json& chat = grants["chat"];
    const auto field = [&](const char* name) -> std::optional<std::string> {
        const auto found = chat.find(name);
        return found == chat.end() ? std::nullopt : std::optional{found->get<std::string>()};
    };
    FUZZ_CHECK(claims.grants.chat->service_sid == field("service_sid"), "chat.service_sid");
    FUZZ_CHECK(claims.grants.chat->endpoint_id == field("endpoint_id"), "chat.endpoint_id");
    FUZZ_CHECK(claims.grants.chat->deployment_role_sid == field("deployment_role_sid"),
               "chat.deployment_role_sid");
    FUZZ_CHECK(claims.grants.chat->push_credential_sid == field("push_credential_sid"),
               "chat.push_credential_sid");
    FUZZ_CHECK(claims.grants.sync.has_value() == grants.contains("data_sync"),
               "data_sync presence");
    FUZZ_CHECK(claims.grants.video.has_value() == grants.contains("video"), "video presence");
    FUZZ_CHECK(claims.grants.voice.has_value() == grants.contains("voice"), "voice presence");

    // Unknown grants are kept, each as JSON text that means what the token said.
    std::size_t unknown = 0;
    for (const auto& [name, value] : grants.items()) {
        if (name == "identity" || name == "chat" || name == "data_sync" || name == "video" ||
            name == "voice") {
            continue;
        }
        ++unknown;
        const auto kept = claims.grants.other.find(name);
        FUZZ_CHECK(kept != claims.grants.other.end(), "unknown grant '%s' dropped",
                   fuzz::printable(name).c_str());
        const auto reparsed = fuzz::parseUnambiguous(kept->second);
        FUZZ_CHECK(reparsed && *reparsed == value, "unknown grant '%s' kept as %s, was %s",
                   fuzz::printable(name).c_str(), fuzz::printable(kept->second).c_str(),
                   fuzz::printable(value.dump()).c_str());
    }
    FUZZ_CHECK(claims.grants.other.size() == unknown, "%zu unknown grants kept, %zu in the token",
               claims.grants.other.size(), unknown);
}

// The key and algorithm a real signer would use for this token; read leniently, because a token
// whose `iss` or `alg` cannot be read still needs some signature.
std::string sign(std::string_view header_text, std::string_view payload_text) {
    std::string alg = "HS256";
    const Json header = Json::parse(header_text, nullptr, false);
    if (header.is_object() && header.contains("alg") && header["alg"].is_string() &&
        token::parseAlgorithm(header["alg"].get<std::string>())) {
        alg = header["alg"].get<std::string>();
    }
    std::string_view secret = fuzz::kApiSecret;
    const Json payload = Json::parse(payload_text, nullptr, false);
    if (payload.is_object() && payload.contains("iss") && payload["iss"].is_string()) {
        secret = fuzz::secretFor(payload["iss"].get<std::string>()).value_or(secret);
    }
    return fuzz::forgeToken(header_text, payload_text, alg, secret);
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    const std::size_t newline = input.find('\n');
    const std::string_view header_text =
        newline == std::string_view::npos ? kDefaultHeader : input.substr(0, newline);
    const std::string_view payload_text =
        newline == std::string_view::npos ? input : input.substr(newline + 1);

    const std::string token_text = sign(header_text, payload_text);
    const auto verified = verifier().verify(token_text);
    const int code = verified ? 0 : verified.error().wireCode();
    const std::string message =
        verified ? std::string{} : fuzz::printable(verified.error().message);
    if (!verified) {
        FUZZ_CHECK(fuzz::isContractCode(verified.error().code),
                   "code %d is not in the contract (%s)", code, message.c_str());
    }

    // Structure first: size, then JSON (the header is read before the payload).
    if (token_text.size() > token::kMaxTokenBytes || fuzz::certainlyNotJson(header_text)) {
        FUZZ_CHECK(code == 20101, "expected 20101 (%zu bytes), got %d (%s)", token_text.size(),
                   code, message.c_str());
        return 0;
    }
    const auto header = fuzz::parseUnambiguous(header_text);
    const auto header_verdict = header ? expectHeader(*header) : std::nullopt;
    if (fuzz::certainlyNotJson(payload_text)) {
        const bool header_ok = header && !header_verdict;
        FUZZ_CHECK(code == 20101 || (!header_ok && code == 20102),
                   "payload is not JSON, expected 20101, got %d (%s)", code, message.c_str());
        return 0;
    }
    const auto payload = fuzz::parseUnambiguous(payload_text);
    if (verified) {
        fuzz::checkAccepted(*verified, policy(), fuzz::fuzzNow());
    }
    if (!header || !payload) {
        return 0; // duplicate keys, a lone surrogate, deep nesting: parsers may differ
    }

    const Expectation expected = expect(*header, *payload);
    if (expected.signature_checked) {
        FUZZ_CHECK(code != 20107, "correctly signed token failed with 20107 (%s)", message.c_str());
    }
    switch (expected.kind) {
    case Expectation::Kind::kAccept:
        FUZZ_CHECK(verified.has_value(), "expected acceptance, got %d (%s)", code, message.c_str());
        checkClaimsMatch(*verified, *header, *payload);
        break;
    case Expectation::Kind::kReject:
        FUZZ_CHECK(code == static_cast<int>(expected.code), "expected %d, got %d (%s)",
                   static_cast<int>(expected.code), code, message.c_str());
        break;
    case Expectation::Kind::kOpen:
        break;
    }
    return 0;
}
