#include "token/jwt_header.hpp"

#include "token/base64url.hpp"
#include "token/json_scratch.hpp"

#include <parley/token/limits.hpp>

#include <nlohmann/json.hpp>

#include <array>

namespace parley::token {

std::string encodeHeader(Algorithm algorithm, const std::optional<std::string>& region) {
    nlohmann::ordered_json header;
    header["alg"] = algorithmName(algorithm);
    header["typ"] = "JWT";
    header["cty"] = kContentType;
    if (region) {
        header["twr"] = *region;
    }
    return base64url::encode(header.dump());
}

namespace {

struct CanonicalHeader {
    Algorithm algorithm;
    std::string segment;
    std::string signing_prefix; // `segment.`

    explicit CanonicalHeader(Algorithm alg)
        : algorithm(alg), segment(encodeHeader(alg, std::nullopt)), signing_prefix(segment + ".") {}
};

const std::array<CanonicalHeader, 3>& canonicalHeaders() {
    static const std::array<CanonicalHeader, 3> headers{
        CanonicalHeader{Algorithm::kHs256},
        CanonicalHeader{Algorithm::kHs384},
        CanonicalHeader{Algorithm::kHs512},
    };
    return headers;
}

TokenFailure headerFailure(std::string message) {
    return TokenFailure{TokenError::kInvalidHeader, std::move(message)};
}

} // namespace

std::string_view canonicalSigningPrefix(Algorithm algorithm) {
    for (const CanonicalHeader& canonical : canonicalHeaders()) {
        if (canonical.algorithm == algorithm) {
            return canonical.signing_prefix;
        }
    }
    return {};
}

std::expected<Algorithm, TokenFailure> readHeader(std::string_view segment) {
    for (const CanonicalHeader& canonical : canonicalHeaders()) {
        if (segment == canonical.segment) {
            return canonical.algorithm;
        }
    }
    auto root = JsonScratch::local().parseSegment(segment, "header");
    if (!root) {
        return std::unexpected(root.error());
    }
    simdjson::dom::object header;
    if (root->get(header) != simdjson::SUCCESS) {
        return std::unexpected(
            TokenFailure{TokenError::kInvalidToken, "header is not a JSON object"});
    }
    std::string_view alg_name;
    if (header["alg"].get(alg_name) != simdjson::SUCCESS) {
        return std::unexpected(headerFailure("header has no alg string"));
    }
    const auto algorithm = parseAlgorithm(alg_name);
    if (!algorithm) {
        return std::unexpected(headerFailure("header alg \"" + std::string{alg_name} +
                                             "\" is not HS256, HS384 or HS512"));
    }
    std::string_view typ;
    if (header["typ"].get(typ) != simdjson::SUCCESS || typ != "JWT") {
        return std::unexpected(headerFailure("header typ must be \"JWT\""));
    }
    std::string_view cty;
    if (header["cty"].get(cty) != simdjson::SUCCESS || cty != kContentType) {
        return std::unexpected(headerFailure("header cty must be \"twilio-fpa;v=1\""));
    }
    return *algorithm;
}

} // namespace parley::token
