#include "protocol/frame.hpp"
#include "protocol/json_text.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

namespace parley::protocol {
namespace {

std::string nlohmannText(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

TEST(JsonTextTest, WritesEveryKindOfValueAsNlohmannDoes) {
    const Json value = {
        {"string", "plain"},
        {"escapes", "quote \" backslash \\ \b\f\n\r\t and \x01\x1f\x7f"},
        {"unicode", "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"not utf-8", "a\xff"
                      "b\xc3("
                      "c\xed\xa0\x80"},
        {"integers", {0, -1, 42, std::int64_t{-9'223'372'036'854'775'807} - 1}},
        {"unsigned", std::uint64_t{18'446'744'073'709'551'615U}},
        {"floats", {0.5, -1e300, 3.0}},
        {"flags", {true, false, nullptr}},
        {"empty", {{"object", Json::object()}, {"array", Json::array()}, {"string", ""}}},
        {"key \"\n\xff", 1},
    };
    EXPECT_EQ(compactJson(value), nlohmannText(value));
}

// Strings of every troublesome kind of byte, and valid multi-byte characters among them.
TEST(JsonTextTest, WritesRandomStringsAsNlohmannDoes) {
    std::mt19937 random{20261201};
    constexpr std::array<std::string_view, 10> kPieces = {
        "a", "\"", "\\", "\n", "\x02", "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " "};
    for (int round = 0; round < 20'000; ++round) {
        std::string text;
        const auto length = std::uniform_int_distribution<int>{0, 24}(random);
        for (int i = 0; i < length; ++i) {
            if (std::uniform_int_distribution<int>{0, 3}(random) == 0) {
                text += static_cast<char>(std::uniform_int_distribution<int>{0, 255}(random));
            } else {
                text += kPieces.at(std::uniform_int_distribution<std::size_t>{0, 9}(random));
            }
        }
        const Json value = {{text, text}, {"list", {text, 1}}};
        ASSERT_EQ(compactJson(value), nlohmannText(value)) << "round " << round;
    }
}

TEST(JsonTextTest, StringSizeIsTheWrittenSize) {
    for (const std::string_view text :
         {std::string_view{""}, std::string_view{"plain"}, std::string_view{"\"\\\b\f\n\r\t\x01"},
          std::string_view{"h\xc3\xa9llo \xf0\x9f\x98\x80"}}) {
        EXPECT_EQ(jsonStringSize(text), nlohmannText(Json(text)).size()) << text;
    }
}

// okReply writes around its fields instead of merging a copy: the same text either way.
TEST(JsonTextTest, OkReplyIsTheMergedObject) {
    const Json fields = {{"messages", {{{"body", "hi"}, {"index", 0}}}},
                         {"next_page_token", nullptr},
                         {"a", 1},
                         {"zz", "last"}};
    Json merged = {{"reply_to", 7}, {"ok", true}};
    merged.update(fields);
    EXPECT_EQ(okReply(7, fields), nlohmannText(merged));
    EXPECT_EQ(okReply(8), R"({"ok":true,"reply_to":8})");
}

} // namespace
} // namespace parley::protocol
