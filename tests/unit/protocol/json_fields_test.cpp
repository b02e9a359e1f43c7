#include "protocol/frame.hpp"
#include "protocol/json_fields.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace parley::protocol {
namespace {

Request request(std::string_view text) {
    auto parsed = parseRequest(text);
    EXPECT_TRUE(parsed) << text;
    return parsed ? std::move(*parsed) : Request{};
}

// The members of a frame the test knows to be valid.
Json frame(std::string_view text) {
    return request(text).frame;
}

TEST(JsonFields, StringReturnsAPresentString) {
    const Request parsed = request(R"({"id":1,"op":"x","channel":"general"})");
    const auto value = fields::string(parsed.frame, "channel");
    ASSERT_TRUE(value);
    EXPECT_EQ(*value, "general");
}

TEST(JsonFields, StringRefusesAbsentNullEmptyOrWrongTypeNamingTheArgument) {
    for (const std::string_view text :
         {R"({"id":5,"op":"x"})", R"({"id":5,"op":"x","channel":null})",
          R"({"id":5,"op":"x","channel":""})", R"({"id":5,"op":"x","channel":3})",
          R"({"id":5,"op":"x","channel":["general"]})", R"({"id":5,"op":"x","channel":{}})",
          R"({"id":5,"op":"x","channel":false})"}) {
        const auto value = fields::string(frame(text), "channel");
        ASSERT_FALSE(value) << text;
        EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument) << text;
        EXPECT_NE(value.error().message.find("channel"), std::string::npos)
            << value.error().message;
    }
}

TEST(JsonFields, OptionalStringReturnsAPresentStringIncludingAnEmptyOne) {
    const auto present = fields::optionalString(frame(R"({"id":1,"op":"x","friendly_name":"Gen"})"),
                                                "friendly_name");
    ASSERT_TRUE(present);
    EXPECT_EQ(*present, "Gen");
    const auto empty =
        fields::optionalString(frame(R"({"id":1,"op":"x","friendly_name":""})"), "friendly_name");
    ASSERT_TRUE(empty);
    EXPECT_EQ(*empty, "");
}

TEST(JsonFields, OptionalStringTreatsAbsentAndNullAsNotGiven) {
    const auto absent = fields::optionalString(frame(R"({"id":1,"op":"x"})"), "friendly_name");
    ASSERT_TRUE(absent);
    EXPECT_FALSE(absent->has_value());
    const auto null =
        fields::optionalString(frame(R"({"id":1,"op":"x","friendly_name":null})"), "friendly_name");
    ASSERT_TRUE(null);
    EXPECT_FALSE(null->has_value());
}

TEST(JsonFields, OptionalStringRefusesAWrongTypeNamingTheArgument) {
    for (const std::string_view text :
         {R"({"id":8,"op":"x","type":1})", R"({"id":8,"op":"x","type":true})",
          R"({"id":8,"op":"x","type":{"a":1}})"}) {
        const auto value = fields::optionalString(frame(text), "type");
        ASSERT_FALSE(value) << text;
        EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(value.error().message.find("type"), std::string::npos);
    }
}

TEST(JsonFields, OptionalIntegerReturnsPresentIntegersAcrossTheInt64Range) {
    const auto value = [](std::string_view number) {
        const auto parsed = fields::optionalInteger(
            frame(R"({"id":1,"op":"x","after":)" + std::string{number} + "}"), "after");
        EXPECT_TRUE(parsed) << number;
        EXPECT_TRUE(parsed && parsed->has_value()) << number;
        return parsed && parsed->has_value() ? **parsed : std::int64_t{-12345};
    };
    EXPECT_EQ(value("0"), 0);
    EXPECT_EQ(value("5"), 5);
    EXPECT_EQ(value("-1"), -1);
    EXPECT_EQ(value("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(value("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
}

TEST(JsonFields, OptionalIntegerTreatsAbsentAndNullAsNotGiven) {
    const auto absent = fields::optionalInteger(frame(R"({"id":1,"op":"x"})"), "limit");
    ASSERT_TRUE(absent);
    EXPECT_FALSE(absent->has_value());
    const auto null = fields::optionalInteger(frame(R"({"id":1,"op":"x","limit":null})"), "limit");
    ASSERT_TRUE(null);
    EXPECT_FALSE(null->has_value());
}

TEST(JsonFields, OptionalIntegerRefusesAWrongType) {
    for (const std::string_view text :
         {R"({"id":4,"op":"x","limit":"5"})", R"({"id":4,"op":"x","limit":5.5})",
          R"({"id":4,"op":"x","limit":5.0})", R"({"id":4,"op":"x","limit":true})",
          R"({"id":4,"op":"x","limit":[5]})"}) {
        const auto value = fields::optionalInteger(frame(text), "limit");
        ASSERT_FALSE(value) << text;
        EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument) << text;
        EXPECT_NE(value.error().message.find("limit"), std::string::npos);
    }
}

TEST(JsonFields, OptionalIntegerRefusesAnUnsignedValueAboveInt64Max) {
    for (const std::string_view text : {R"({"id":4,"op":"x","before":9223372036854775808})",
                                        R"({"id":4,"op":"x","before":18446744073709551615})"}) {
        const auto value = fields::optionalInteger(frame(text), "before");
        ASSERT_FALSE(value) << text;
        EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(value.error().message.find("before"), std::string::npos);
    }
}

TEST(JsonFields, AttributesAreAnObjectOfBoundedSizeAndDefaultToEmpty) {
    const auto absent = fields::attributes(frame(R"({"id":1,"op":"x"})"), 16);
    ASSERT_TRUE(absent);
    EXPECT_EQ(*absent, "{}");
    const auto small = fields::attributes(frame(R"({"id":1,"op":"x","attributes":{"a":1}})"), 16);
    ASSERT_TRUE(small);
    EXPECT_EQ(*small, R"({"a":1})");
    for (const std::string_view text :
         {R"({"id":1,"op":"x","attributes":[1]})", R"({"id":1,"op":"x","attributes":"{}"})",
          R"({"id":1,"op":"x","attributes":{"long":"0123456789"}})"}) {
        const auto refused = fields::attributes(frame(text), 16);
        ASSERT_FALSE(refused) << text;
        EXPECT_EQ(refused.error().code, ErrorCode::kInvalidAttributes) << text;
    }
}

TEST(JsonFields, AttributesTextParsesBackIntoAnObjectOrEmpty) {
    EXPECT_EQ(fields::attributesObject(R"({"a":[1,2]})"), (Json{{"a", {1, 2}}}));
    EXPECT_EQ(fields::attributesObject("not json"), Json::object());
    EXPECT_EQ(fields::attributesObject("[1]"), Json::object());
}

} // namespace
} // namespace parley::protocol
