#include "protocol/frame.hpp"
#include "protocol/requests.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::protocol {
namespace {

Json frame(std::string_view text) {
    auto parsed = parseRequest(text);
    EXPECT_TRUE(parsed) << text;
    return parsed ? parsed->frame : Json{};
}

template <typename R> ShapeError refused(std::string_view text) {
    const auto decoded = decodeArgs<R>(frame(text));
    EXPECT_FALSE(decoded) << text;
    return decoded ? ShapeError{} : decoded.error();
}

TEST(Requests, EveryOpNamesItsArgumentWhenItIsMissingOrMistyped) {
    const auto expectNamed = [](const ShapeError& error, std::string_view argument) {
        EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
        EXPECT_NE(error.message.find(argument), std::string::npos) << error.message;
    };
    expectNamed(refused<InitRequest>(R"({"id":1,"op":"init"})"), "token");
    expectNamed(refused<UpdateTokenRequest>(R"({"id":1,"op":"update_token","token":7})"), "token");
    expectNamed(refused<ChannelJoinRequest>(R"({"id":1,"op":"channel.join","channel":""})"),
                "channel");
    expectNamed(refused<ChannelAddMemberRequest>(
                    R"({"id":1,"op":"channel.add_member","channel":"c","identity":null})"),
                "identity");
    expectNamed(refused<ChannelCreateRequest>(R"({"id":1,"op":"channel.create"})"), "unique_name");
    expectNamed(refused<ChannelCreateRequest>(
                    R"({"id":1,"op":"channel.create","unique_name":"a","friendly_name":1})"),
                "friendly_name");
    expectNamed(refused<MessageSendRequest>(R"({"id":1,"op":"message.send","channel":"c"})"),
                "body");
    expectNamed(refused<MessageHistoryRequest>(
                    R"({"id":1,"op":"message.history","channel":"c","after":"3"})"),
                "after");
}

TEST(Requests, AChannelTypeIsPublicOrPrivate) {
    const auto created = decodeArgs<ChannelCreateRequest>(
        frame(R"({"id":1,"op":"channel.create","unique_name":"a","type":"private"})"));
    ASSERT_TRUE(created);
    EXPECT_EQ(created->type, ChannelType::kPrivate);
    const auto defaulted = decodeArgs<ChannelCreateRequest>(
        frame(R"({"id":1,"op":"channel.create","unique_name":"a"})"));
    ASSERT_TRUE(defaulted);
    EXPECT_EQ(defaulted->type, ChannelType::kPublic);
    EXPECT_EQ(refused<ChannelCreateRequest>(
                  R"({"id":1,"op":"channel.create","unique_name":"a","type":"Public"})")
                  .code,
              ErrorCode::kInvalidArgument);
}

TEST(Requests, ABodyIsAStringOfAtMost32KiBAndMayBeEmpty) {
    const std::string limit(kMaxBodyBytes, 'x');
    const auto at_limit = decodeArgs<MessageSendRequest>(
        Json{{"id", 1}, {"op", "message.send"}, {"channel", "c"}, {"body", limit}});
    ASSERT_TRUE(at_limit);
    EXPECT_EQ(at_limit->body.size(), kMaxBodyBytes);
    const auto over = decodeArgs<MessageSendRequest>(
        Json{{"id", 1}, {"op", "message.send"}, {"channel", "c"}, {"body", limit + "x"}});
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, ErrorCode::kBodyTooLarge);
    EXPECT_TRUE(decodeArgs<MessageSendRequest>(
        frame(R"({"id":1,"op":"message.send","channel":"c","body":""})")));
}

TEST(Requests, AttributesMustBeASmallObject) {
    for (const std::string_view text :
         {R"({"id":1,"op":"message.send","channel":"c","body":"","attributes":[1]})",
          R"({"id":1,"op":"message.send","channel":"c","body":"","attributes":"{}"})"}) {
        EXPECT_EQ(refused<MessageSendRequest>(text).code, ErrorCode::kInvalidAttributes) << text;
    }
    const Json big{{"id", 1},
                   {"op", "channel.create"},
                   {"unique_name", "a"},
                   {"attributes", {{"k", std::string(kMaxAttributesBytes, 'x')}}}};
    const auto decoded = decodeArgs<ChannelCreateRequest>(big);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidAttributes);
}

TEST(Requests, EncodeLeavesOutWhatIsNotGiven) {
    EXPECT_EQ(Json::parse(encodeRequest(4, MessageHistoryRequest{.channel = "c", .after = 9})),
              (Json{{"id", 4}, {"op", "message.history"}, {"channel", "c"}, {"after", 9}}));
    EXPECT_EQ(Json::parse(encodeRequest(5, MessageSendRequest{.channel = "c", .body = "hi"})),
              (Json{{"id", 5}, {"op", "message.send"}, {"channel", "c"}, {"body", "hi"}}));
    EXPECT_EQ(
        Json::parse(encodeRequest(6, ChannelCreateRequest{.unique_name = "a"})),
        (Json{{"id", 6}, {"op", "channel.create"}, {"unique_name", "a"}, {"type", "public"}}));
}

} // namespace
} // namespace parley::protocol
