#include "token/base64url.hpp"

#include <gtest/gtest.h>

namespace parley::token {
namespace {

TEST(Base64url, RoundTripsEveryLengthWithoutPadding) {
    std::string bytes;
    for (int i = 0; i < 64; ++i) {
        const std::string encoded = base64url::encode(bytes);
        EXPECT_EQ(encoded.find('='), std::string::npos);
        EXPECT_EQ(base64url::decodedSize(encoded.size()), bytes.size());
        EXPECT_EQ(base64url::decode(encoded), bytes);
        bytes += static_cast<char>(i * 37 + 250);
    }
}

TEST(Base64url, UsesTheUrlAlphabet) {
    EXPECT_EQ(base64url::encode("\xfb\xff\xbf"), "-_-_");
    EXPECT_EQ(base64url::decode("-_-_"), "\xfb\xff\xbf");
}

TEST(Base64url, RejectsPaddingForeignCharactersAndBadLengths) {
    EXPECT_FALSE(base64url::decode("YQ=="));
    EXPECT_FALSE(base64url::decode("+/+/"));
    EXPECT_FALSE(base64url::decode("YWJj Y"));
    EXPECT_FALSE(base64url::decode("YWJjZ"));
}

TEST(Base64url, RejectsNonCanonicalTrailingBits) {
    EXPECT_EQ(base64url::decode("YQ"), "a");
    EXPECT_FALSE(base64url::decode("YR"));
    EXPECT_EQ(base64url::decode("YWI"), "ab");
    EXPECT_FALSE(base64url::decode("YWJ"));
}

} // namespace
} // namespace parley::token
