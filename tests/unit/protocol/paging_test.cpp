#include "protocol/frame.hpp"
#include "protocol/paging.hpp"
#include "protocol/requests.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::protocol {
namespace {

Decoded<PageArgs> read(std::string_view text) {
    const auto request = parseRequest(text);
    EXPECT_TRUE(request) << text;
    return readPageArgs(request ? request->frame : Json::object());
}

TEST(Paging, AbsentOrNullArgumentsTakeTheDefaults) {
    for (const char* text :
         {R"({"id":1,"op":"channel.list"})",
          R"({"id":1,"op":"channel.list","page_size":null,"page_token":null})"}) {
        const auto args = read(text);
        ASSERT_TRUE(args) << text;
        EXPECT_EQ(*args, PageArgs{});
        EXPECT_EQ(pageSizeOf(*args), kDefaultPageSize);
    }
}

TEST(Paging, PageSizeIsOneTo500OnBothSidesOfEachBound) {
    EXPECT_FALSE(read(R"({"id":1,"op":"x","page_size":0})"));
    EXPECT_EQ(pageSizeOf(read(R"({"id":1,"op":"x","page_size":1})").value()), 1U);
    EXPECT_EQ(pageSizeOf(read(R"({"id":1,"op":"x","page_size":500})").value()), 500U);
    const auto over = read(R"({"id":1,"op":"x","page_size":501})");
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(over.error().message.find("page_size"), std::string::npos);
    EXPECT_FALSE(read(R"({"id":1,"op":"x","page_size":-1})"));
    EXPECT_FALSE(read(R"({"id":1,"op":"x","page_size":"5"})"));
    EXPECT_FALSE(read(R"({"id":1,"op":"x","page_size":2.5})"));
    EXPECT_FALSE(read(R"({"id":1,"op":"x","page_size":18446744073709551615})"));
}

TEST(Paging, APageTokenIsANonEmptyStringOfAtMost256Bytes) {
    const auto token = [](std::size_t size) {
        return R"({"id":1,"op":"x","page_token":")" + std::string(size, 'A') + "\"}";
    };
    EXPECT_EQ(read(token(256)).value().page_token, std::string(256, 'A'));
    for (const std::string& text :
         {token(0), token(257), std::string{R"({"id":1,"op":"x","page_token":7})"},
          std::string{R"({"id":1,"op":"x","page_token":["a"]})"}}) {
        const auto refused = read(text);
        ASSERT_FALSE(refused) << text;
        EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(refused.error().message.find("page_token"), std::string::npos);
    }
}

TEST(Paging, NextPageTokenIsNullOnTheLastPageAndAbsentReadsAsLast) {
    Json reply = Json::object();
    writeNextPageToken(std::nullopt, reply);
    ASSERT_TRUE(reply.contains("next_page_token"));
    EXPECT_TRUE(reply["next_page_token"].is_null());
    EXPECT_EQ(readNextPageToken(reply).value(), std::nullopt);
    writeNextPageToken("abc", reply);
    EXPECT_EQ(readNextPageToken(reply).value(), "abc");
    EXPECT_EQ(readNextPageToken(Json::object()).value(), std::nullopt);
    EXPECT_FALSE(readNextPageToken(Json{{"next_page_token", 3}}));
}

TEST(Paging, ChannelListCarriesItsPageArgumentsBothWays) {
    const ChannelListRequest request{.page = {.page_size = 20, .page_token = "tok"}};
    const auto decoded =
        decodeArgs<ChannelListRequest>(parseRequest(encodeRequest(7, request))->frame);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->page, request.page);
    EXPECT_EQ(encodeArgs(ChannelListRequest{}), Json::object());
}

TEST(Paging, ChannelNamesAreAtMost256Bytes) {
    const auto create = [](const std::string& unique, const std::string& friendly) {
        Json frame{{"id", 1}, {"op", "channel.create"}, {"unique_name", unique}};
        if (!friendly.empty()) {
            frame["friendly_name"] = friendly;
        }
        return decodeArgs<ChannelCreateRequest>(frame);
    };
    EXPECT_TRUE(create(std::string(256, 'u'), std::string(256, 'f')));
    EXPECT_EQ(create(std::string(257, 'u'), "").error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(create("u", std::string(257, 'f')).error().code, ErrorCode::kInvalidArgument);
    // Bytes, not characters: 129 two-byte characters are 258 bytes.
    std::string accents;
    for (int i = 0; i < 129; ++i) {
        accents += "\u00e9";
    }
    EXPECT_FALSE(create(accents, ""));
}

} // namespace
} // namespace parley::protocol
