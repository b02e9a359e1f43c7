#pragma once

// Minting access tokens. The output is byte-compatible in structure with Twilio's helper libraries:
// header {"alg","typ":"JWT","cty":"twilio-fpa;v=1"} and claims jti, grants, [nbf], iat, exp, iss,
// sub.

#include <parley/token/algorithm.hpp>
#include <parley/token/api_key.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/grants.hpp>
#include <parley/token/limits.hpp>

#include <chrono>
#include <expected>
#include <optional>
#include <string>

namespace parley::token {

enum class MintError {
    kMissingIdentity = 1,
    kTtlOutOfRange,
    kInvalidApiKey,
    kInvalidGrant,
};

struct MintFailure {
    MintError code;
    std::string message;
};

/// Builds and signs one token at a time. Not thread-safe; cheap to copy.
///
///     auto token = AccessTokenBuilder{key}
///                      .identity("alice")
///                      .ttl(std::chrono::hours{1})
///                      .chat(ChatGrant{.service_sid = "IS..."})
///                      .mint(SystemClock::instance());
class AccessTokenBuilder {
public:
    explicit AccessTokenBuilder(ApiKey key);

    AccessTokenBuilder& identity(std::string identity);
    /// Lifetime from the issue time; default one hour, like Twilio's.
    AccessTokenBuilder& ttl(std::chrono::seconds ttl);
    /// Lowers (or raises) the shortest TTL accepted; tests use lifetimes of a few seconds.
    AccessTokenBuilder& minimumTtl(std::chrono::seconds minimum);
    AccessTokenBuilder& notBefore(UnixSeconds not_before);
    AccessTokenBuilder& algorithm(Algorithm algorithm);
    /// The optional `twr` header; verifiers ignore it.
    AccessTokenBuilder& region(std::string region);
    AccessTokenBuilder& chat(ChatGrant grant);
    AccessTokenBuilder& sync(SyncGrant grant);
    AccessTokenBuilder& video(VideoGrant grant);
    AccessTokenBuilder& voice(VoiceGrant grant);
    /// Any other grant, as JSON text; it must parse as a JSON object or value.
    AccessTokenBuilder& grant(std::string name, std::string json);

    /// Signs a token issued at `clock.now()`. Fails, without throwing, on a TTL outside
    /// [minimum, 24 h], an empty identity, a key without SID, secret or account SID, text that
    /// is not UTF-8, malformed raw grants or voice params, or a raw grant named like a typed one.
    std::expected<std::string, MintFailure> mint(const Clock& clock) const;

private:
    std::expected<void, MintFailure> validate() const;

    ApiKey key_;
    Grants grants_;
    std::chrono::seconds ttl_{3600};
    std::chrono::seconds minimum_ttl_{kMinTtl};
    std::optional<UnixSeconds> not_before_;
    Algorithm algorithm_ = Algorithm::kHs256;
    std::optional<std::string> region_;
};

} // namespace parley::token
