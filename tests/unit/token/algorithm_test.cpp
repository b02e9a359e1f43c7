#include <parley/token/algorithm.hpp>

#include <gtest/gtest.h>

namespace parley::token {
namespace {

TEST(Algorithm, ParsesOnlyTheThreeHmacNames) {
    for (Algorithm alg : {Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512}) {
        EXPECT_EQ(parseAlgorithm(algorithmName(alg)), alg);
    }
    EXPECT_EQ(signatureSize(Algorithm::kHs256), 32U);
    EXPECT_EQ(signatureSize(Algorithm::kHs384), 48U);
    EXPECT_EQ(signatureSize(Algorithm::kHs512), 64U);
    for (const char* name : {"none", "NONE", "hs256", "HS1024", "RS256", ""}) {
        EXPECT_FALSE(parseAlgorithm(name).has_value()) << name;
    }
}

} // namespace
} // namespace parley::token
