#include <parley/token/algorithm.hpp>

namespace parley::token {

std::string_view algorithmName(Algorithm algorithm) {
    switch (algorithm) {
    case Algorithm::kHs256:
        return "HS256";
    case Algorithm::kHs384:
        return "HS384";
    case Algorithm::kHs512:
        return "HS512";
    }
    return "HS256";
}

std::optional<Algorithm> parseAlgorithm(std::string_view name) {
    for (Algorithm algorithm : {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
        if (name == algorithmName(algorithm)) {
            return algorithm;
        }
    }
    return std::nullopt;
}

std::size_t signatureSize(Algorithm algorithm) {
    switch (algorithm) {
    case Algorithm::kHs256:
        return 32;
    case Algorithm::kHs384:
        return 48;
    case Algorithm::kHs512:
        return 64;
    }
    return 32;
}

} // namespace parley::token
