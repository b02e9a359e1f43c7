#pragma once

// The verified content of an access token.

#include <parley/token/algorithm.hpp>
#include <parley/token/clock.hpp>
#include <parley/token/grants.hpp>

#include <optional>
#include <string>

namespace parley::token {

struct Claims {
    Algorithm algorithm = Algorithm::kHs256;
    /// `jti`: unique per token.
    std::string token_id;
    /// `iss`: the SID of the API key that signed the token.
    std::string issuer;
    /// `sub`: the account SID the key belongs to.
    std::string subject;
    std::optional<UnixSeconds> issued_at;
    UnixSeconds expires_at{};
    std::optional<UnixSeconds> not_before;
    Grants grants;

    /// Shorthand for `grants.identity`.
    const std::string& identity() const { return grants.identity; }
};

} // namespace parley::token
