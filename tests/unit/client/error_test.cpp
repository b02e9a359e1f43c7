#include <parley/client/error.hpp>

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

TEST(ClientError, TokenCodesAreTold) {
    EXPECT_TRUE((Error{.code = 20101}).isTokenError());
    EXPECT_TRUE((Error{.code = 20157}).isTokenError());
    EXPECT_FALSE((Error{.code = 50100}).isTokenError());
}

} // namespace
} // namespace parley::client
