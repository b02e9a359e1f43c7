#include "client/client_core.hpp"
#include "client/client_core_harness.hpp"
#include "client/url_rotation.hpp"

#include <parley/lifecycle/backoff.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

// A client given several URLs (the nodes of one service): each attempt goes to one of them, a
// failed attempt or a lost connection moves to the next, round robin, and the backoff applies
// once per full round of failures. The in-memory transport records which URL each connection
// was opened to; the test plays each node.

namespace parley::client::testing {
namespace {

using Events = std::vector<std::string>;
const std::string kSid = "CH0123456789abcdef0123456789abcdef";
const std::vector<std::string> kUrls = {"ws://node-a.test:8080/v1/ws",
                                        "ws://node-b.test:8081/v1/ws", "wss://node-c.test/v1/ws"};

// A harness whose core connects to kUrls.
std::unique_ptr<CoreHarness> threeNodes() {
    auto h = std::make_unique<CoreHarness>();
    auto urls = parseServerUrls(kUrls);
    EXPECT_TRUE(urls);
    h->core = std::make_unique<ClientCore>(h->options, std::move(*urls), h->scheduler, h->transport,
                                           *h->events, /*seed=*/42);
    return h;
}

std::string hostOf(CoreHarness& h) {
    return h.connection().url().host;
}

void refuse(CoreHarness& h) {
    h.connection().fail({.cause = ConnectionError::Cause::kRefused, .message = "refused"});
    h.settle();
}

TEST(ClientCoreUrls, AFailedAttemptMovesToTheNextUrlAtOnceAndBacksOffPerRound) {
    auto h = threeNodes();
    h->core->start(h->aliceToken());
    h->settle();
    ASSERT_EQ(h->transport.opened(), 1U);
    EXPECT_EQ(hostOf(*h), "node-a.test");
    EXPECT_EQ(h->core->stats().url, kUrls[0]);
    refuse(*h);
    ASSERT_EQ(h->transport.opened(), 2U) << "the next node is tried without waiting";
    EXPECT_EQ(hostOf(*h), "node-b.test");
    EXPECT_EQ(h->connection().url().port, "8081");
    refuse(*h);
    ASSERT_EQ(h->transport.opened(), 3U);
    EXPECT_EQ(hostOf(*h), "node-c.test");
    EXPECT_TRUE(h->connection().url().tls);
    h->connection().fail({.cause = ConnectionError::Cause::kTls, .message = "bad certificate"});
    h->settle();
    EXPECT_EQ(h->transport.opened(), 3U) << "a full round failed: now the backoff applies";
    const auto& errors = h->log->connection_errors;
    ASSERT_EQ(errors.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(errors[i].url, kUrls[i]) << "each error names the URL that failed";
        EXPECT_EQ(errors[i].attempt, i + 1);
        EXPECT_TRUE(errors[i].will_retry);
    }
    EXPECT_EQ(errors[0].retry_in, 0ms);
    EXPECT_EQ(errors[1].retry_in, 0ms);
    EXPECT_GT(errors[2].retry_in, 0ms);
    EXPECT_LE(errors[2].retry_in, CoreHarness::defaults().reconnect.initial);
    h->scheduler.advance(errors[2].retry_in - 1ms);
    EXPECT_EQ(h->transport.opened(), 3U);
    h->scheduler.advance(1ms);
    ASSERT_EQ(h->transport.opened(), 4U) << "the next round starts where the first did";
    EXPECT_EQ(hostOf(*h), "node-a.test");
    h->acceptInit();
    EXPECT_EQ(h->log->only({"state", "connected"}),
              (Events{"state:connecting", "state:connected", "connected:alice"}));
    EXPECT_EQ(h->core->stats().url, kUrls[0]);
}

TEST(ClientCoreUrls, TheBackoffGrowsPerRoundNotPerUrl) {
    auto h = threeNodes();
    h->core->start(h->aliceToken(12h));
    h->settle();
    const auto policy = CoreHarness::defaults().reconnect;
    // The core draws its delays from a Backoff seeded as threeNodes() seeds it: one draw per
    // round gives exactly these delays, one draw per URL would not.
    lifecycle::Backoff per_round{policy, /*seed=*/42};
    auto ceiling = policy.initial;
    for (int round = 0; round < 4; ++round) {
        const auto opened = h->transport.opened();
        refuse(*h);
        refuse(*h);
        EXPECT_EQ(h->transport.opened(), opened + 2) << "round " << round << ": no wait";
        refuse(*h);
        const auto& errors = h->log->connection_errors;
        ASSERT_EQ(errors.size(), 3U * static_cast<std::size_t>(round + 1));
        const auto first = errors.end() - 3;
        EXPECT_EQ(first[0].retry_in, 0ms) << "round " << round << ": no growth within a round";
        EXPECT_EQ(first[1].retry_in, 0ms) << "round " << round;
        const auto& last = first[2];
        EXPECT_EQ(last.retry_in, per_round.next()) << "round " << round;
        EXPECT_LE(last.retry_in, ceiling) << "round " << round;
        EXPECT_EQ(last.url, kUrls[2]);
        EXPECT_EQ(h->transport.opened(), opened + 2) << "round " << round << ": waits";
        h->scheduler.advance(last.retry_in);
        ASSERT_EQ(hostOf(*h), "node-a.test") << "round " << round;
        ceiling = std::min(ceiling * 2, policy.max);
    }
    EXPECT_EQ(h->core->stats().connect_attempts, 13U);
    EXPECT_EQ(h->transport.live(), 1U) << "one socket at most, whatever the list";
}

TEST(ClientCoreUrls, ALostConnectionMovesToTheNextNodeAndCatchesUpByIndex) {
    auto h = threeNodes();
    h->connectWith(h->aliceToken());
    Outcome<Channel> joined;
    h->core->join("general", joined.done());
    h->settle();
    h->replyOk(h->connection().take(), protocol::channelReply(channelNamed(kSid, "general")));
    h->replyOk(h->connection().take(), protocol::messagesReply({messageAt(kSid, 2)}));
    h->serverSends(protocol::messageEvent(messageAt(kSid, 3)));
    h->serverEnds(); // node a is gone; 4 is sent meanwhile through another node
    EXPECT_EQ(h->core->stats().url, kUrls[1]);
    h->scheduler.advance(CoreHarness::defaults().reconnect.initial);
    ASSERT_EQ(h->transport.opened(), 2U);
    EXPECT_EQ(hostOf(*h), "node-b.test");
    h->acceptInit();
    EXPECT_EQ(h->log->only({"reconnected"}), (Events{"reconnected:alice"}));
    const auto rejoin = h->connection().take();
    EXPECT_EQ(rejoin.op, protocol::op::kChannelJoin);
    h->replyOk(rejoin, protocol::channelReply(channelNamed(kSid, "general")));
    const auto catch_up = h->connection().take();
    const auto args = protocol::decodeArgs<protocol::MessageHistoryRequest>(catch_up.frame);
    ASSERT_TRUE(args);
    EXPECT_EQ(args->after, 3) << "the same catch-up by index as a reconnect to the same node";
    h->replyOk(catch_up, protocol::messagesReply({messageAt(kSid, 4)}));
    ASSERT_EQ(h->log->messages.size(), 2U);
    EXPECT_EQ(h->log->messages.back().index, 4);
}

TEST(ClientCoreUrls, AfterALossTheDeadNodeIsTriedLastInTheRound) {
    auto h = threeNodes();
    h->connectWith(h->aliceToken());
    h->serverEnds(); // on node a
    h->scheduler.advance(CoreHarness::defaults().reconnect.initial);
    EXPECT_EQ(hostOf(*h), "node-b.test");
    refuse(*h);
    EXPECT_EQ(hostOf(*h), "node-c.test") << "within the round: no wait";
    refuse(*h);
    EXPECT_EQ(hostOf(*h), "node-a.test");
    refuse(*h);
    EXPECT_EQ(h->transport.opened(), 4U) << "the round after the loss is over: backoff";
    EXPECT_GT(h->log->connection_errors.back().retry_in, 0ms);
}

TEST(ClientCoreUrls, ARefusedInitThatIsNotTheTokensFaultMovesOn) {
    auto h = threeNodes();
    h->core->start(h->aliceToken());
    h->settle();
    h->connection().open();
    h->replyError(h->connection().take(),
                  static_cast<int>(protocol::ErrorCode::kTooManyConnections));
    h->serverEnds(static_cast<int>(protocol::CloseCode::kRateLimited));
    ASSERT_EQ(h->transport.opened(), 2U);
    EXPECT_EQ(hostOf(*h), "node-b.test");
}

TEST(ClientCoreUrls, ATokenRefusedAtInitStaysOnTheNodeAndWaits) {
    auto h = threeNodes();
    h->core->start(h->aliceToken());
    h->settle();
    h->connection().open();
    h->replyError(h->connection().take(), static_cast<int>(token::TokenError::kInvalidSignature));
    h->serverEnds(static_cast<int>(protocol::CloseCode::kTokenRejected));
    EXPECT_EQ(h->core->stats().state, ConnectionState::kWaitingForToken);
    EXPECT_EQ(h->core->stats().url, kUrls[0]) << "not the node's fault";
}

TEST(ServerUrls, EveryUrlIsCheckedAndTheBadOneNamed) {
    EXPECT_TRUE(parseServerUrls(kUrls));
    const auto bad = parseServerUrls({kUrls[0], "http://node-b.test/v1/ws"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().find("http://node-b.test/v1/ws"), std::string::npos) << bad.error();
    EXPECT_FALSE(parseServerUrls({}));
    const std::vector<std::string> many(kMaxServerUrls + 1, kUrls[0]);
    EXPECT_FALSE(parseServerUrls(many));
    EXPECT_TRUE(parseServerUrls(std::vector<std::string>(kMaxServerUrls, kUrls[0])));
}

} // namespace
} // namespace parley::client::testing
