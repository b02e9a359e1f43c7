#include "protocol/codes.hpp"

#include <parley/client/error.hpp>
#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace parley::client {
namespace {

TEST(ClientError, EveryCodeHasItsOwnSentence) {
    std::set<std::string> sentences;
    for (const auto code :
         {ClientErrorCode::kConnectionLost, ClientErrorCode::kShutDown, ClientErrorCode::kQueueFull,
          ClientErrorCode::kBadReply, ClientErrorCode::kProviderFailed}) {
        const std::string sentence{describe(code)};
        EXPECT_NE(sentence, "unknown client error");
        EXPECT_TRUE(sentences.insert(sentence).second) << sentence;
        const Error error = Error::client(code);
        EXPECT_EQ(error.code, static_cast<int>(code));
        EXPECT_EQ(error.message, sentence);
        EXPECT_FALSE(error.isTokenError());
    }
}

TEST(ClientError, TokenCodesAreToldFromEveryOtherCode) {
    for (const auto code : token::kAllTokenErrors) {
        EXPECT_TRUE((Error{.code = static_cast<int>(code)}).isTokenError())
            << static_cast<int>(code);
    }
    for (const auto code : protocol::kAllErrorCodes) {
        EXPECT_FALSE((Error{.code = static_cast<int>(code)}).isTokenError())
            << static_cast<int>(code);
    }
}

TEST(ClientError, EveryCodeOfTheTokenRangeIsATokenErrorAndNothingBesideIt) {
    // Codes a later server adds to the range (revocation) count too.
    const int first = static_cast<int>(token::TokenError::kInvalidToken) / 100 * 100;
    for (int code = first; code < first + 100; ++code) {
        EXPECT_TRUE((Error{.code = code}).isTokenError()) << code;
    }
    EXPECT_FALSE((Error{.code = first - 1}).isTokenError());
    EXPECT_FALSE((Error{.code = first + 100}).isTokenError());
    EXPECT_FALSE((Error{.code = -first}).isTokenError());
}

} // namespace
} // namespace parley::client
