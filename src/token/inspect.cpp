#include "token/claims_reader.hpp"
#include "token/json_scratch.hpp"

#include <parley/token/inspect.hpp>
#include <parley/token/limits.hpp>

namespace parley::token {
namespace {

std::unexpected<TokenFailure> fail(std::string message) {
    return std::unexpected(TokenFailure{TokenError::kInvalidToken, std::move(message)});
}

// Everything the payload says, read without any check of time or policy.
std::expected<Claims, TokenFailure> readClaimsUnchecked(simdjson::dom::element payload,
                                                        std::string_view header_alg) {
    PayloadFields fields;
    if (auto located = locateClaims(payload, fields); !located) {
        return std::unexpected(located.error());
    }
    const auto times = readTimes(fields);
    if (!times) {
        return std::unexpected(times.error());
    }
    Claims claims{
        .algorithm = parseAlgorithm(header_alg).value_or(Algorithm::kHs256),
        .token_id = std::string{stringClaim(fields.jti)},
        .issuer = std::string{stringClaim(fields.iss)},
        .subject = std::string{stringClaim(fields.sub)},
        .issued_at = times->issued_at,
        .expires_at = times->expires_at,
        .not_before = times->not_before,
        .grants = {},
    };
    if (auto grants = readGrants(fields, claims.grants); !grants) {
        return std::unexpected(grants.error());
    }
    return claims;
}

} // namespace

std::expected<Inspection, TokenFailure> inspect(std::string_view token) {
    if (token.size() > kMaxTokenBytes) {
        return fail("token is larger than 16 KiB");
    }
    const std::size_t first = token.find('.');
    const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return fail("token is not three dot-separated segments");
    }
    JsonScratch& scratch = JsonScratch::local();
    Inspection inspection;

    const auto header = scratch.parseSegment(token.substr(0, first), "header");
    if (!header) {
        return std::unexpected(header.error());
    }
    if (!header->is_object()) {
        return fail("header is not a JSON object");
    }
    inspection.header_json = std::string{scratch.decoded()};
    std::string header_alg;
    if (std::string_view alg; (*header)["alg"].get(alg) == simdjson::SUCCESS) {
        header_alg = alg;
    }

    const auto payload =
        scratch.parseSegment(token.substr(first + 1, second - first - 1), "payload");
    if (!payload) {
        return std::unexpected(payload.error());
    }
    inspection.payload_json = std::string{scratch.decoded()};
    auto claims = readClaimsUnchecked(*payload, header_alg);
    if (claims) {
        inspection.claims = std::move(*claims);
    } else {
        inspection.claims_problem = std::move(claims.error());
    }
    return inspection;
}

} // namespace parley::token
