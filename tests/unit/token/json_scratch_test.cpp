#include "test_tokens.hpp"
#include "token/json_scratch.hpp"

#include <parley/token/inspect.hpp>

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

// Through inspect(), which shows the payload as decoded: as the token holds it, not softened.
TEST(JsonScratch, ParsesAPayloadWithAHugeIntegerAndShowsItAsWritten) {
    const std::string payload = R"({"n":18446744073709551616,"grants":{"identity":"a"}})";
    const auto inspection = inspect(testing::signRaw(testing::canonicalHeader(), payload));
    ASSERT_TRUE(inspection.has_value()) << inspection.error().message;
    EXPECT_EQ(inspection->payload_json, payload);
}

} // namespace
} // namespace parley::token
