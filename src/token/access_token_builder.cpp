#include "token/base64url.hpp"
#include "token/grants_json.hpp"
#include "token/hmac.hpp"
#include "token/jwt_header.hpp"

#include <parley/token/access_token_builder.hpp>

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace parley::token {
namespace {

std::unexpected<MintFailure> fail(MintError code, std::string message) {
    return std::unexpected(MintFailure{code, std::move(message)});
}

// `jti` as Twilio writes it (key SID, issue time) plus 8 random bytes, so two tokens minted in
// the same second with the same key still differ.
std::string tokenId(const std::string& key_sid, UnixSeconds issued_at) {
    std::array<unsigned char, 8> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string id = key_sid + "-" + std::to_string(issued_at.time_since_epoch().count()) + "-";
    for (unsigned char byte : random) {
        id += kHex[byte >> 4];
        id += kHex[byte & 0x0F];
    }
    return id;
}

} // namespace

AccessTokenBuilder::AccessTokenBuilder(ApiKey key) : key_(std::move(key)) {}

AccessTokenBuilder& AccessTokenBuilder::identity(std::string identity) {
    grants_.identity = std::move(identity);
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::ttl(std::chrono::seconds ttl) {
    ttl_ = ttl;
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::minimumTtl(std::chrono::seconds minimum) {
    minimum_ttl_ = minimum;
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::notBefore(UnixSeconds not_before) {
    not_before_ = not_before;
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::algorithm(Algorithm algorithm) {
    algorithm_ = algorithm;
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::region(std::string region) {
    region_ = std::move(region);
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::chat(ChatGrant grant) {
    grants_.chat = std::move(grant);
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::sync(SyncGrant grant) {
    grants_.sync = std::move(grant);
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::video(VideoGrant grant) {
    grants_.video = std::move(grant);
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::voice(VoiceGrant grant) {
    grants_.voice = std::move(grant);
    return *this;
}
AccessTokenBuilder& AccessTokenBuilder::grant(std::string name, std::string json) {
    grants_.other.insert_or_assign(std::move(name), std::move(json));
    return *this;
}

std::expected<void, MintFailure> AccessTokenBuilder::validate() const {
    if (grants_.identity.empty()) {
        return fail(MintError::kMissingIdentity, "an access token needs an identity");
    }
    if (ttl_ < minimum_ttl_ || ttl_ > kMaxTtl) {
        return fail(MintError::kTtlOutOfRange, "ttl " + std::to_string(ttl_.count()) +
                                                   " s is outside [" +
                                                   std::to_string(minimum_ttl_.count()) + " s, " +
                                                   std::to_string(kMaxTtl.count()) + " s]");
    }
    // Without an account the token's `sub` would be empty, which no verifier accepts (20103).
    if (key_.sid.empty() || key_.secret.empty() || key_.account_sid.empty()) {
        return fail(MintError::kInvalidApiKey,
                    "the API key needs a SID, a secret and its account SID");
    }
    for (const auto& [name, json] : grants_.other) {
        if (name == "identity" || parseGrantKind(name)) {
            return fail(MintError::kInvalidGrant,
                        "raw grant \"" + name + "\" would replace a typed grant");
        }
        // nlohmann stops reading at a NUL, which would silently cut the grant short.
        if (json.find('\0') != std::string::npos) {
            return fail(MintError::kInvalidGrant, "raw grant \"" + name + "\" contains a NUL");
        }
    }
    if (grants_.voice && grants_.voice->outgoing) {
        const std::string& params = grants_.voice->outgoing->params_json;
        if (!params.empty() && (params.find('\0') != std::string::npos ||
                                !nlohmann::json::parse(params, nullptr, false).is_object())) {
            return fail(MintError::kInvalidGrant, "voice outgoing params must be a JSON object");
        }
    }
    return {};
}

std::expected<std::string, MintFailure> AccessTokenBuilder::mint(const Clock& clock) const {
    if (auto valid = validate(); !valid) {
        return std::unexpected(valid.error());
    }
    const auto issued_at = std::chrono::floor<std::chrono::seconds>(clock.now());
    std::string header;
    std::string payload_json;
    try {
        // Key order as Twilio's helpers produce through jsonwebtoken: jti, grants, nbf, iat,
        // exp, iss, sub.
        nlohmann::ordered_json payload;
        payload["jti"] = tokenId(key_.sid, issued_at);
        payload["grants"] = grantsToJson(grants_);
        if (not_before_) {
            payload["nbf"] = not_before_->time_since_epoch().count();
        }
        payload["iat"] = issued_at.time_since_epoch().count();
        payload["exp"] = (issued_at + ttl_).time_since_epoch().count();
        payload["iss"] = key_.sid;
        payload["sub"] = key_.account_sid;
        header = encodeHeader(algorithm_, region_);
        payload_json = payload.dump();
    } catch (const nlohmann::json::exception& error) {
        // A raw grant that is not JSON, or a string that is not UTF-8 (JSON cannot carry it).
        return fail(MintError::kInvalidGrant,
                    std::string{"identity, region or a grant is not valid: "} + error.what());
    }
    std::string token = std::move(header);
    token += '.';
    token += base64url::encode(payload_json);
    SignatureBuffer signature{};
    const std::size_t size = PreparedKey{key_}.sign(algorithm_, token, signature);
    token += '.';
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars for encoding.
    token += base64url::encode({reinterpret_cast<const char*>(signature.data()), size});
    return token;
}

} // namespace parley::token
