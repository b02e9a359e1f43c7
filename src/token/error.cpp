#include <parley/token/error.hpp>

#include <string>

namespace parley::token {

std::string_view describe(TokenError error) {
    switch (error) {
    case TokenError::kInvalidToken:
        return "invalid access token: not three base64url segments of JSON, or larger than 16 KiB";
    case TokenError::kInvalidHeader:
        return "invalid access token header: alg must be HS256, HS384 or HS512, typ JWT and cty "
               "twilio-fpa;v=1";
    case TokenError::kInvalidIssuer:
        return "invalid access token issuer/subject: unknown API key, or not that key's account";
    case TokenError::kExpired:
        return "access token expired, or its exp is missing or not an integer";
    case TokenError::kNotYetValid:
        return "access token not yet valid: nbf is in the future";
    case TokenError::kInvalidGrants:
        return "invalid access token grants: no identity, a required grant missing, or granted "
               "for another service";
    case TokenError::kInvalidSignature:
        return "invalid access token signature";
    case TokenError::kRevoked:
        return "access token revoked: its identity, jti or API key was revoked after it was issued";
    case TokenError::kLifetimeTooLong:
        return "access token lifetime exceeds the maximum of 24 hours";
    }
    return "unknown access token error";
}

namespace {

class TokenErrorCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "parley.token"; }
    std::string message(int value) const override {
        return std::string{describe(static_cast<TokenError>(value))};
    }
};

} // namespace

const std::error_category& tokenErrorCategory() {
    static const TokenErrorCategory category;
    return category;
}

std::error_code make_error_code(TokenError error) {
    return {static_cast<int>(error), tokenErrorCategory()};
}

} // namespace parley::token
