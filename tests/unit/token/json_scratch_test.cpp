#include "token/json_scratch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::token {
namespace {

std::string softened(std::string json, std::size_t expected_rewrites) {
    EXPECT_EQ(softenHugeIntegers(json.data(), json.size()), expected_rewrites) << json;
    return json;
}

TEST(SoftenHugeIntegers, RewritesIntegersOutside64BitsAtTheSameLength) {
    EXPECT_EQ(softened(R"({"exp":18446744073709551616})", 1), R"({"exp":1844674407370955e004})");
    EXPECT_EQ(softened("[-9223372036854775809]", 1), "[-922337203685477e004]");
}

TEST(SoftenHugeIntegers, LeavesEveryIntegerThat64BitsHoldOnBothSidesOfTheLimits) {
    for (const char* json : {"[18446744073709551615]", "[-9223372036854775808]", "[0]", "[-1]",
                             "[9223372036854775808]"}) {
        EXPECT_EQ(softened(json, 0), json);
    }
}

TEST(SoftenHugeIntegers, LeavesFloatsAndStrings) {
    for (const char* json : {"[1e400]", "[184467440737095516160.5]", "[1.18446744073709551616]",
                             R"(["18446744073709551616"])", R"(["\"18446744073709551616"])",
                             "[-1E-99999999999999999999]"}) {
        EXPECT_EQ(softened(json, 0), json);
    }
}

TEST(SoftenHugeIntegers, FindsAHugeIntegerAfterAStringWithEscapedQuotes) {
    EXPECT_EQ(softened(R"({"a\"b":99999999999999999999})", 1), R"({"a\"b":9999999999999999e004})");
}

TEST(JsonScratch, ParsesAPayloadWithAHugeIntegerAndShowsItAsWritten) {
    // "{"n":18446744073709551616}" in base64url.
    const auto root =
        JsonScratch::local().parseSegment("eyJuIjoxODQ0Njc0NDA3MzcwOTU1MTYxNn0", "payload");
    ASSERT_TRUE(root.has_value()) << root.error().message;
    double value = 0;
    EXPECT_EQ((*root)["n"].get(value), simdjson::SUCCESS);
    EXPECT_DOUBLE_EQ(value, 18446744073709551616.0);
    EXPECT_EQ(JsonScratch::local().decoded(), R"({"n":18446744073709551616})");
}

} // namespace
} // namespace parley::token
