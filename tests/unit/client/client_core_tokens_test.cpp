#include "client/client_core.hpp"
#include "client/client_core_harness.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// updateToken in every connection state (DESIGN.md rules 3, 9, 11, 13), event by event.

namespace parley::client::testing {
namespace {

using Events = std::vector<std::string>;
constexpr auto kWindow = CoreHarness::kWindow;
constexpr auto kTtl = CoreHarness::kTtl;

std::int64_t expOf(TimePoint issued, std::chrono::seconds ttl = kTtl) {
    return std::chrono::floor<std::chrono::seconds>(issued + ttl).time_since_epoch().count();
}

std::string updated(TimePoint issued) {
    return "tokenUpdated:" + std::to_string(expOf(issued));
}

// Takes the update_token the client sent and checks it carries `token`.
protocol::Request takeUpdate(CoreHarness& h, const std::string& token) {
    const auto request = h.connection().take();
    EXPECT_EQ(request.op, protocol::op::kUpdateToken);
    const auto args = protocol::decodeArgs<protocol::UpdateTokenRequest>(request.frame);
    EXPECT_TRUE(args && args->token == token);
    return request;
}

void acceptUpdate(CoreHarness& h, const protocol::Request& request, TimePoint issued) {
    h.replyOk(request, protocol::encodeReply(
                           protocol::TokenReply{.identity = "alice",
                                                .expires_at = expOf(issued),
                                                .server_time = unixMillis(h.clock.now())}));
}

TEST(ClientCoreTokens, WhileConnectedTheLiveConnectionCarriesItAndTimersFollowTheNewExp) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.scheduler.advance(100s);
    const TimePoint issued = h.clock.now();
    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    acceptUpdate(h, takeUpdate(h, renewed), issued);
    ASSERT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(outcome.result->value().expires_at.time_since_epoch().count(), expOf(issued));
    EXPECT_EQ(h.transport.opened(), 1U) << "no reconnect";
    EXPECT_EQ(h.log->only({"token", "connected", "state"}),
              (Events{"state:connecting", "state:connected", "connected:alice", updated(issued)}))
        << "no rejoin, no second connected";
    h.scheduler.advance(kTtl - kWindow - 100s); // the old token's window opens: nothing
    EXPECT_TRUE(h.log->only({"tokenAbout"}).empty());
    h.scheduler.advance(100s);
    EXPECT_EQ(h.log->only({"tokenAbout"}), (Events{"tokenAboutToExpire"}));
}

TEST(ClientCoreTokens, ATokenTheServerRefusesLeavesTheOldOneInForce) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<TokenInfo> outcome;
    h.core->updateToken(h.aliceToken(kTtl * 2), outcome.done());
    h.settle();
    h.replyError(h.connection().take(), static_cast<int>(token::TokenError::kInvalidSignature));
    ASSERT_TRUE(outcome.result);
    EXPECT_EQ(outcome.result->error().code, static_cast<int>(token::TokenError::kInvalidSignature));
    EXPECT_EQ(h.log->only({"token"}), (Events{tokenError(token::TokenError::kInvalidSignature)}));
    h.scheduler.advance(kTtl - kWindow);
    EXPECT_EQ(h.log->only({"tokenAbout"}), (Events{"tokenAboutToExpire"}))
        << "the old token's timers still run";
    EXPECT_EQ(h.core->stats().state, ConnectionState::kConnected);
}

TEST(ClientCoreTokens, AFailureThatIsNoVerdictOnTheTokenFiresNoTokenError) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<TokenInfo> limited;
    h.core->updateToken(h.aliceToken(kTtl * 2), limited.done());
    h.settle();
    const int rate_limited = static_cast<int>(protocol::ErrorCode::kRateLimited);
    h.replyError(h.connection().take(), rate_limited);
    ASSERT_TRUE(limited.result);
    EXPECT_EQ(limited.result->error().code, rate_limited);
    Outcome<TokenInfo> cut_short;
    h.core->updateToken(h.aliceToken(kTtl * 2), cut_short.done());
    h.settle();
    (void)h.core->shutdown({});
    ASSERT_TRUE(cut_short.result);
    EXPECT_EQ(cut_short.result->error().code, static_cast<int>(ClientErrorCode::kShutDown));
    h.settle();
    EXPECT_TRUE(h.log->only({"tokenError"}).empty());
}

TEST(ClientCoreTokens, ThePreCheckRefusesWithTheServersCodesAndSendsNothing) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    const std::vector<std::pair<std::string, token::TokenError>> refused = {
        {"not-a-token", token::TokenError::kInvalidToken},
        {tokenFor("alice", kT0 - kTtl - 1s, kTtl), token::TokenError::kExpired},
        {tokenFor("mallory", kT0, kTtl), token::TokenError::kInvalidGrants},
        {lifecycle::testing::craftedToken(std::to_string(expOf(kT0, 48h))),
         token::TokenError::kLifetimeTooLong},
    };
    for (const auto& [jwt, code] : refused) {
        Outcome<TokenInfo> outcome;
        h.core->updateToken(jwt, outcome.done());
        ASSERT_TRUE(outcome.result);
        EXPECT_EQ(outcome.result->error().code, static_cast<int>(code));
    }
    h.settle();
    EXPECT_EQ(h.log->only({"token"}), (Events{tokenError(token::TokenError::kInvalidToken),
                                              tokenError(token::TokenError::kExpired),
                                              tokenError(token::TokenError::kInvalidGrants),
                                              tokenError(token::TokenError::kLifetimeTooLong)}));
    EXPECT_EQ(h.connection().unread(), 0U);
}

TEST(ClientCoreTokens, WhileConnectingTheInitCarriesTheNewestToken) {
    CoreHarness h;
    h.core->start(h.aliceToken());
    h.settle();
    h.scheduler.advance(10s);
    const TimePoint issued = h.clock.now();
    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    EXPECT_FALSE(outcome.result) << "the server's verdict comes with init";
    EXPECT_EQ(h.acceptInit(), renewed);
    ASSERT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(h.transport.opened(), 1U);
    EXPECT_EQ(h.log->only({"token", "connected"}), (Events{updated(issued), "connected:alice"}));
}

TEST(ClientCoreTokens, ANewerTokenDuringInitFollowsAsUpdateToken) {
    CoreHarness h;
    const std::string first = h.aliceToken();
    h.core->start(first);
    h.settle();
    h.connection().open();
    const auto init = h.connection().take(); // in flight with the first token
    h.scheduler.advance(5s);
    const TimePoint issued = h.clock.now();
    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    h.replyOk(init, protocol::encodeReply(protocol::TokenReply{
                        .identity = "alice", .server_time = unixMillis(h.clock.now())}));
    acceptUpdate(h, takeUpdate(h, renewed), issued);
    ASSERT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(h.log->only({"token", "connected"}), (Events{"connected:alice", updated(issued)}));
}

TEST(ClientCoreTokens, WhileReconnectingItConnectsAtOnceWithTheNewToken) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.serverEnds();
    EXPECT_EQ(h.transport.opened(), 1U) << "waiting for the backoff";
    const TimePoint issued = h.clock.now();
    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    EXPECT_EQ(h.transport.opened(), 2U) << "without waiting for the backoff";
    EXPECT_EQ(h.acceptInit(), renewed);
    ASSERT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(h.log->only({"token", "reconnected"}),
              (Events{updated(issued), "reconnected:alice"}));
    EXPECT_EQ(h.scheduler.pendingTimers(), 1U) << "only the lifecycle timer is left";
}

TEST(ClientCoreTokens, AfterExpiryTheSameClientConnectsAgain) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.scheduler.advance(kTtl);
    h.serverEnds(protocol::CloseCode::kTokenExpired);
    ASSERT_EQ(h.core->stats().state, ConnectionState::kWaitingForToken);
    h.log->clear();
    const TimePoint issued = h.clock.now();
    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    ASSERT_EQ(h.transport.opened(), 2U);
    EXPECT_EQ(h.acceptInit(), renewed);
    ASSERT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(h.log->events, (Events{"state:reconnecting", updated(issued), "state:connected",
                                     "reconnected:alice"}));
    h.scheduler.advance(kTtl - kWindow);
    EXPECT_EQ(h.log->only({"tokenAbout"}), (Events{"tokenAboutToExpire"}))
        << "the new token's events start unfired";
}

TEST(ClientCoreTokens, AnUpdateInFlightWhenTheConnectionDropsIsCarriedByTheNextInit) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    const std::string renewed = h.aliceToken(kTtl * 2);
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    (void)takeUpdate(h, renewed);
    h.serverEnds();
    EXPECT_FALSE(outcome.result) << "not the token's fault: it is tried again";
    h.scheduler.advance(CoreHarness::defaults().reconnect.initial);
    ASSERT_EQ(h.transport.opened(), 2U);
    EXPECT_EQ(h.acceptInit(), renewed);
    ASSERT_TRUE(outcome.result && *outcome.result);
}

TEST(ClientCoreTokens, ATokenRefusedAtCreateWaitsForUpdateTokenThenConnects) {
    CoreHarness h;
    h.core->start("not-a-token");
    h.settle();
    EXPECT_EQ(h.log->events,
              (Events{tokenError(token::TokenError::kInvalidToken), "state:waiting_for_token"}));
    EXPECT_EQ(h.transport.opened(), 0U);
    EXPECT_EQ(h.core->identity(), "");
    Outcome<TokenInfo> outcome;
    h.core->updateToken(h.aliceToken(), outcome.done());
    h.settle();
    h.acceptInit();
    ASSERT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(h.core->identity(), "alice");
    EXPECT_EQ(h.log->only({"connected", "reconnected"}), (Events{"connected:alice"}));
}

} // namespace
} // namespace parley::client::testing
