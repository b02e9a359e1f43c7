#include "token/base64url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

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

// Long inputs go through the wide (AVX2) decoder, short ones and tails through the scalar one;
// both must agree with the encoder at every length and every alignment of the tail.
TEST(Base64url, RoundTripsLongInputsAtEveryLength) {
    std::string bytes;
    for (int i = 0; i < 700; ++i) {
        const std::string encoded = base64url::encode(bytes);
        ASSERT_EQ(base64url::decode(encoded), bytes) << "length " << bytes.size();
        bytes += static_cast<char>(i * 151 + 7);
    }
}

// Every byte value at every position of a long input: accepted exactly when it is in the
// alphabet, whichever decoder sees it.
TEST(Base64url, RejectsEveryForeignByteAtEveryPosition) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string bytes;
    for (int i = 0; i < 120; ++i) {
        bytes += static_cast<char>(i * 59 + 3);
    }
    const std::string encoded = base64url::encode(bytes);
    ASSERT_EQ(encoded.size(), 160U);
    for (std::size_t at = 0; at + 4 < encoded.size(); ++at) {
        for (int value = 0; value < 256; ++value) {
            std::string mutated = encoded;
            mutated[at] = static_cast<char>(value);
            const auto decoded = base64url::decode(mutated);
            const std::size_t index = kAlphabet.find(static_cast<char>(value));
            if (index == std::string_view::npos) {
                ASSERT_FALSE(decoded) << "byte " << value << " at " << at;
                continue;
            }
            ASSERT_TRUE(decoded) << "byte " << value << " at " << at;
            // The mutated character's six bits land in the decoded bytes it spans.
            EXPECT_EQ(base64url::encode(*decoded), mutated) << "byte " << value << " at " << at;
        }
    }
}

// The wide decoder stores 32 bytes at a time; near the end of the output it must not.
TEST(Base64url, NeverWritesPastTheDecodedSize) {
    constexpr unsigned char kCanary = 0xA5;
    std::string bytes;
    for (int i = 0; i < 300; ++i) {
        const std::string encoded = base64url::encode(bytes);
        std::vector<unsigned char> out(bytes.size() + 64, kCanary);
        ASSERT_TRUE(base64url::decode(encoded, out.data()));
        ASSERT_EQ(std::string(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(bytes.size())),
                  bytes);
        for (std::size_t at = bytes.size(); at < out.size(); ++at) {
            ASSERT_EQ(out[at], kCanary) << "wrote byte " << at << " decoding " << bytes.size();
        }
        bytes += static_cast<char>(i * 13 + 1);
    }
}

} // namespace
} // namespace parley::token
