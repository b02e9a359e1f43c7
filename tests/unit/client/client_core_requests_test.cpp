#include "client/client_core.hpp"
#include "client/client_core_harness.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// The chat half of ClientCore through real frames: operations, events, catch-up by index across a
// reconnect, and what it does with frames it cannot read.

namespace parley::client::testing {
namespace {

using Events = std::vector<std::string>;
const std::string kSid = "CH0123456789abcdef0123456789abcdef";

std::vector<std::int64_t> indexesOf(const std::vector<Message>& messages) {
    std::vector<std::int64_t> out;
    for (const auto& message : messages) {
        out.push_back(message.index);
    }
    return out;
}

// Joins kSid as the server would answer, with `latest` the newest index in its history.
void joinWithHistoryUpTo(CoreHarness& h, std::int64_t latest) {
    Outcome<Channel> joined;
    h.core->join("general", joined.done());
    h.settle();
    h.replyOk(h.connection().take(), protocol::channelReply(channelNamed(kSid, "general")));
    ASSERT_TRUE(joined.result && *joined.result);
    const auto baseline = h.connection().take();
    EXPECT_EQ(baseline.op, protocol::op::kMessageHistory);
    h.replyOk(baseline, protocol::messagesReply({messageAt(kSid, latest)}));
}

TEST(ClientCoreRequests, CatchesUpByIndexAfterAReconnectWithoutLossOrRepeat) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    joinWithHistoryUpTo(h, 2);
    h.serverSends(protocol::messageEvent(messageAt(kSid, 3)));
    h.serverEnds(); // 4 and 5 are sent while the client is away
    h.scheduler.advance(CoreHarness::defaults().reconnect.initial);
    h.acceptInit();
    const auto rejoin = h.connection().take();
    EXPECT_EQ(rejoin.op, protocol::op::kChannelJoin);
    EXPECT_EQ(protocol::decodeArgs<protocol::ChannelJoinRequest>(rejoin.frame)->channel, kSid);
    h.replyOk(rejoin, protocol::channelReply(channelNamed(kSid, "general")));
    const auto catch_up = h.connection().take();
    const auto args = protocol::decodeArgs<protocol::MessageHistoryRequest>(catch_up.frame);
    ASSERT_TRUE(args);
    EXPECT_EQ(args->after, 3);
    h.serverSends(protocol::messageEvent(messageAt(kSid, 6))); // live, ahead of the page
    h.replyOk(catch_up, protocol::messagesReply(
                            {messageAt(kSid, 4), messageAt(kSid, 5), messageAt(kSid, 6)}));
    h.serverSends(protocol::messageEvent(messageAt(kSid, 7)));
    EXPECT_EQ(indexesOf(h.log->messages), (std::vector<std::int64_t>{3, 4, 5, 6, 7}));
    EXPECT_EQ(h.log->messages.front().body, "m3");
    EXPECT_EQ(h.log->messages.front().channel, kSid);
}

TEST(ClientCoreRequests, MemberEventsReachTheAppAndLeavingElsewhereStopsDelivery) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    joinWithHistoryUpTo(h, 0);
    h.serverSends(protocol::memberEvent(protocol::EventKind::kMemberJoined,
                                        {.channel = kSid, .identity = "bob"}));
    h.serverSends(protocol::memberEvent(protocol::EventKind::kMemberLeft,
                                        {.channel = kSid, .identity = "alice"}));
    EXPECT_EQ(h.log->only({"member"}),
              (Events{"memberJoined:" + kSid + ":bob", "memberLeft:" + kSid + ":alice"}));
    h.serverEnds();
    h.scheduler.advance(CoreHarness::defaults().reconnect.initial);
    h.acceptInit();
    EXPECT_EQ(h.connection().unread(), 0U) << "a channel left on another device is not rejoined";
}

TEST(ClientCoreRequests, AttributesThatAreNotAJsonObjectFailWith50104BeforeSending) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    const int invalid_attributes = static_cast<int>(protocol::ErrorCode::kInvalidAttributes);
    for (const std::string attributes : {"{", "[1]", "\"text\"", "null"}) {
        Outcome<Message> sent;
        h.core->send("general", "hi", attributes, sent.done());
        ASSERT_TRUE(sent.result);
        EXPECT_EQ(sent.result->error().code, invalid_attributes) << attributes;
        Outcome<Channel> created;
        h.core->createChannel("c", false, "", attributes, created.done());
        ASSERT_TRUE(created.result);
        EXPECT_EQ(created.result->error().code, invalid_attributes) << attributes;
    }
    EXPECT_EQ(h.connection().unread(), 0U);
}

TEST(ClientCoreRequests, ARefusedRequestCarriesTheServersCodeAndMessage) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<Channel> joined;
    h.core->join("nowhere", joined.done());
    h.settle();
    const int not_found = static_cast<int>(protocol::ErrorCode::kChannelNotFound);
    h.replyError(h.connection().take(), not_found, "channel not found");
    ASSERT_TRUE(joined.result);
    EXPECT_EQ(joined.result->error().code, not_found);
    EXPECT_EQ(joined.result->error().message, "channel not found");
}

TEST(ClientCoreRequests, AReplyItCannotReadFailsWithBadReply) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<Channel> joined;
    h.core->join("general", joined.done());
    h.settle();
    h.replyOk(h.connection().take(), Json{{"channel", "not an object"}});
    ASSERT_TRUE(joined.result);
    EXPECT_EQ(joined.result->error().code, static_cast<int>(ClientErrorCode::kBadReply));
}

TEST(ClientCoreRequests, FramesItCannotReadAreDroppedAndChangeNothing) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<UnixMillis> ping;
    h.core->ping(ping.done());
    h.settle();
    const auto request = h.connection().take();
    for (const std::string bad :
         {"", "[]", "null", "{", R"({"event":5})", R"({"reply_to":-1,"ok":true})",
          R"({"reply_to":"1","ok":true})", R"({"reply_to":1})", R"({"reply_to":1,"ok":"yes"})",
          R"({"reply_to":1,"ok":false})", R"({"reply_to":1,"ok":false,"error":{"code":"x"}})",
          R"({"something":"else"})", R"({"event":"from_a_later_version","x":1})"}) {
        h.serverSends(bad);
    }
    EXPECT_FALSE(ping.result);
    EXPECT_EQ(h.log->only({"state", "connected"}),
              (Events{"state:connecting", "state:connected", "connected:alice"}));
    h.replyOk(request, protocol::pingReply(77));
    ASSERT_TRUE(ping.result && *ping.result);
}

TEST(ClientCoreRequests, PingCompletesBehindTheEventsThatArrivedBeforeItsReply) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.log->clear();
    std::vector<std::string> order;
    h.core->ping([&](Result<UnixMillis>) { order.push_back("ping:" + h.log->events.back()); });
    h.settle();
    const auto request = h.connection().take();
    h.connection().receive(protocol::memberEvent(protocol::EventKind::kMemberJoined,
                                                 {.channel = kSid, .identity = "bob"}));
    h.connection().receive(protocol::okReply(request.id, protocol::pingReply(1)));
    EXPECT_TRUE(order.empty()) << "completes through the dispatcher, not inline";
    h.settle();
    EXPECT_EQ(order, (std::vector<std::string>{"ping:memberJoined:" + kSid + ":bob"}));
}

} // namespace
} // namespace parley::client::testing
