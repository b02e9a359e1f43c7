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

} // namespace
} // namespace parley::client
