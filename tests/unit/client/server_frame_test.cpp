#include "client/server_frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::client {
namespace {

TEST(ServerFrame, ReadsASuccessfulReplyWithItsServerTime) {
    auto frame = parseServerFrame(
        R"({"reply_to":7,"ok":true,"identity":"alice","expires_at":100,"server_time":1234})");
    ASSERT_TRUE(frame);
    const auto& reply = std::get<Reply>(*frame);
    EXPECT_EQ(reply.reply_to, 7U);
    EXPECT_FALSE(reply.error);
    EXPECT_EQ(reply.server_time, 1234);
    EXPECT_EQ(reply.body["identity"], "alice");
}

TEST(ServerFrame, ReadsAFailedReplysCodeAndMessage) {
    auto frame =
        parseServerFrame(R"({"reply_to":1,"ok":false,"error":{"code":20104,"message":"expired"}})");
    ASSERT_TRUE(frame);
    const auto& reply = std::get<Reply>(*frame);
    ASSERT_TRUE(reply.error);
    EXPECT_EQ(reply.error->code, 20104);
    EXPECT_EQ(reply.error->message, "expired");
    EXPECT_TRUE(reply.error->isTokenError());
}

TEST(ServerFrame, ReadsAnEvent) {
    auto frame = parseServerFrame(
        R"({"event":"token_about_to_expire","expires_at":100,"server_time":99000})");
    ASSERT_TRUE(frame);
    const auto& event = std::get<Event>(*frame);
    EXPECT_EQ(event.name, "token_about_to_expire");
    EXPECT_EQ(event.server_time, 99000);
}

TEST(ServerFrame, RefusesWhatIsNeitherReplyNorEvent) {
    for (const std::string bad :
         {"", "[]", "null", "{", R"({"event":5})", R"({"reply_to":-1,"ok":true})",
          R"({"reply_to":"1","ok":true})", R"({"reply_to":1})", R"({"reply_to":1,"ok":"yes"})",
          R"({"reply_to":1,"ok":false})", R"({"reply_to":1,"ok":false,"error":{"code":"x"}})",
          R"({"something":"else"})"}) {
        EXPECT_FALSE(parseServerFrame(bad)) << bad;
    }
}

TEST(ServerFrame, RefusesFramesOverTheLimitBeforeParsing) {
    const std::string huge(kMaxServerFrameBytes + 1, ' ');
    auto frame = parseServerFrame(huge);
    ASSERT_FALSE(frame);
    EXPECT_EQ(frame.error(), "the frame is larger than the client's limit");
}

TEST(ServerFrame, AFrameSplitAtAnyByteIsRefusedNotMisread) {
    const std::string whole = R"({"event":"message","channel":"CH1","message":{"index":3}})";
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
        EXPECT_FALSE(parseServerFrame(whole.substr(0, cut))) << cut;
    }
    EXPECT_TRUE(parseServerFrame(whole));
}

} // namespace
} // namespace parley::client
