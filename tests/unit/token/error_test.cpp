#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <set>

namespace parley::token {
namespace {

TEST(TokenError, EveryCodeHasItsContractNumberASentenceAndTheCategory) {
    const std::set<int> contract{20101, 20102, 20103, 20104, 20105, 20106, 20107, 20120, 20157};
    std::set<int> seen;
    std::set<std::string> sentences;
    for (TokenError error : kAllTokenErrors) {
        const std::error_code code = error;
        EXPECT_EQ(&code.category(), &tokenErrorCategory());
        EXPECT_STREQ(code.category().name(), "parley.token");
        EXPECT_EQ(code.message(), describe(error));
        EXPECT_FALSE(describe(error).empty());
        EXPECT_NE(describe(error), "unknown access token error");
        seen.insert(code.value());
        sentences.insert(std::string{describe(error)});
    }
    EXPECT_EQ(seen, contract);
    EXPECT_EQ(sentences.size(), contract.size()) << "two codes share one description";
}

TEST(TokenError, FailureCarriesTheWireCode) {
    const TokenFailure failure{TokenError::kLifetimeTooLong, "too long"};
    EXPECT_EQ(failure.wireCode(), 20157);
}

} // namespace
} // namespace parley::token
