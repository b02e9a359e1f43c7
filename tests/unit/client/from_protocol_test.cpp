#include "client/from_protocol.hpp"
#include "protocol/events.hpp"
#include "protocol/lifecycle_frames.hpp"
#include "protocol/replies.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

// The frames a client reads, as it reads them: the protocol's parseServerFrame, then the client's
// readers into SDK types. (The golden frames test covers every documented shape; these cover the
// edges.)

namespace parley::client {
namespace {

protocol::Event eventOf(const std::string& text) {
    auto frame = protocol::parseServerFrame(text);
    EXPECT_TRUE(frame && std::holds_alternative<protocol::Event>(*frame)) << text;
    return frame ? std::get<protocol::Event>(*frame) : protocol::Event{};
}

TEST(FromProtocol, ReadsTheAboutToExpireEventWithItsServerTime) {
    const auto event = eventOf(protocol::tokenAboutToExpireFrame(100, 99000));
    EXPECT_EQ(event.kind, protocol::EventKind::kTokenAboutToExpire);
    EXPECT_EQ(event.server_time, 99000);
    const auto expires_at = expiryFromEvent(event.body);
    ASSERT_TRUE(expires_at);
    EXPECT_EQ(expires_at->time_since_epoch().count(), 100);
}

TEST(FromProtocol, ChannelsMessagesAndMembersBecomeSdkTypes) {
    protocol::ChannelObject channel{.sid = "CH1",
                                    .unique_name = "team",
                                    .friendly_name = "Team",
                                    .type = protocol::ChannelType::kPrivate,
                                    .attributes_json = R"({"a":1})",
                                    .created_by = "bob",
                                    .date_created = 5};
    const auto read_channel = channelFromReply(protocol::channelReply(channel));
    ASSERT_TRUE(read_channel);
    EXPECT_EQ(read_channel->sid, "CH1");
    EXPECT_EQ(read_channel->unique_name, "team");
    EXPECT_EQ(read_channel->friendly_name, "Team");
    EXPECT_EQ(read_channel->type, "private");
    EXPECT_EQ(read_channel->attributes, R"({"a":1})");
    EXPECT_EQ(read_channel->created_by, "bob");

    const auto members = membersFromReply(
        protocol::membersReply({{.identity = "alice", .joined_at = 1800000000123}}));
    ASSERT_TRUE(members && members->size() == 1U);
    EXPECT_EQ(members->front().joined_at.time_since_epoch().count(), 1800000000123);

    const auto message = messageFromEvent(Json::parse(protocol::messageEvent({.sid = "IM1",
                                                                              .index = 3,
                                                                              .channel = "CH1",
                                                                              .author = "bob",
                                                                              .body = "",
                                                                              .date_created = 9})));
    ASSERT_TRUE(message);
    EXPECT_EQ(message->index, 3);
    EXPECT_EQ(message->body, "") << "an empty body is a body";
    EXPECT_EQ(message->attributes, "{}");
    EXPECT_EQ(message->date_created.time_since_epoch().count(), 9);
}

TEST(FromProtocol, AShapeThatDoesNotReadIsABadReplyWithTheReadersMessage) {
    for (const Json& reply : {Json::object(), Json{{"channel", 5}},
                              Json{{"channel", {{"sid", "CH1"}, {"type", "secret"}}}}}) {
        const auto channel = channelFromReply(reply);
        ASSERT_FALSE(channel) << reply.dump();
        EXPECT_EQ(channel.error().code, static_cast<int>(ClientErrorCode::kBadReply));
        EXPECT_FALSE(channel.error().message.empty());
    }
    const auto negative = messagesFromReply(Json{
        {"messages",
         {{{"sid", "IM1"}, {"index", -1}, {"channel", "CH1"}, {"author", "a"}, {"body", "b"}}}}});
    EXPECT_FALSE(negative) << "indexes start at 0";
}

TEST(FromProtocol, RefusesWhatIsNeitherReplyNorEvent) {
    for (const std::string bad :
         {"", "[]", "null", "{", R"({"event":5})", R"({"reply_to":-1,"ok":true})",
          R"({"reply_to":"1","ok":true})", R"({"reply_to":1})", R"({"reply_to":1,"ok":"yes"})",
          R"({"reply_to":1,"ok":false})", R"({"reply_to":1,"ok":false,"error":{"code":"x"}})",
          R"({"something":"else"})"}) {
        EXPECT_FALSE(protocol::parseServerFrame(bad)) << bad;
    }
}

TEST(FromProtocol, AnEventFromALaterVersionIsReadButHasNoKind) {
    const auto event = eventOf(R"({"event":"typing","channel":"CH1"})");
    EXPECT_FALSE(event.kind) << "ignored by the client, for forward compatibility";
}

TEST(FromProtocol, RefusesFramesOverTheLimitBeforeParsing) {
    const std::string huge(protocol::kMaxServerFrameBytes + 1, ' ');
    auto frame = protocol::parseServerFrame(huge);
    ASSERT_FALSE(frame);
    EXPECT_EQ(frame.error(), "the frame is larger than the client's limit");
}

TEST(FromProtocol, AFrameSplitAtAnyByteIsRefusedNotMisread) {
    const std::string whole = protocol::messageEvent(
        {.sid = "IM1", .index = 3, .channel = "CH1", .author = "bob", .body = "hi"});
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
        EXPECT_FALSE(protocol::parseServerFrame(whole.substr(0, cut))) << cut;
    }
    const auto event = eventOf(whole);
    const auto message = messageFromEvent(event.body);
    ASSERT_TRUE(message);
    EXPECT_EQ(message->index, 3);
}

} // namespace
} // namespace parley::client
