#include "client/client_core.hpp"
#include "client/client_core_harness.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace parley::client::testing {
namespace {

using Events = std::vector<std::string>;
constexpr auto kWindow = CoreHarness::kWindow;
constexpr auto kTtl = CoreHarness::kTtl;
constexpr int kLost = 0; // a connection that broke without a close code

void advanceTo(CoreHarness& h, TimePoint time) {
    h.scheduler.advance(time - h.clock.now());
}

// Advances `step` at a time until the client opens another connection; the time that took.
std::chrono::milliseconds untilNextConnection(CoreHarness& h,
                                              std::chrono::milliseconds step = 1ms) {
    const auto start = h.clock.now();
    const auto opened = h.transport.opened();
    while (h.transport.opened() == opened && h.clock.now() - start < 1h) {
        h.scheduler.advance(step);
    }
    EXPECT_GT(h.transport.opened(), opened) << "no reconnect within an hour";
    return h.clock.now() - start;
}

TEST(ClientCore, SendsInitWithTheTokenOnceOpenAndConnectsOnItsReply) {
    CoreHarness h;
    const std::string token = h.aliceToken();
    h.core->start(token);
    h.settle();
    ASSERT_EQ(h.transport.opened(), 1U);
    EXPECT_EQ(h.connection().url().target, "/v1/ws");
    EXPECT_EQ(h.connection().unread(), 0U) << "nothing is sent before the connection opens";
    EXPECT_EQ(h.acceptInit(), token);
    EXPECT_EQ(h.log->events, (Events{"state:connecting", "state:connected", "connected:alice"}))
        << "the state it starts in is told too";
    EXPECT_EQ(h.core->stats().state, ConnectionState::kConnected);
    EXPECT_EQ(h.core->identity(), "alice");
}

TEST(ClientCore, EachFailedAttemptToConnectIsToldWithItsCauseAndTheRetry) {
    CoreHarness h;
    h.core->start(h.aliceToken());
    h.settle();
    EXPECT_EQ(h.log->events, (Events{"state:connecting"}));
    h.connection().fail({.cause = ConnectionError::Cause::kRefused, .message = "refused"});
    h.settle();
    EXPECT_EQ(h.log->events, (Events{"state:connecting", "connectionError:refused:1:retry"}))
        << "no disconnected: the connection never opened";
    ASSERT_EQ(h.log->connection_errors.size(), 1U);
    EXPECT_EQ(h.log->connection_errors[0].message, "refused");
    EXPECT_GT(h.log->connection_errors[0].retry_in, 0ms);
    EXPECT_LE(h.log->connection_errors[0].retry_in, CoreHarness::defaults().reconnect.initial);
    h.scheduler.advance(h.log->connection_errors[0].retry_in);
    ASSERT_EQ(h.transport.opened(), 2U) << "retried when it said it would";
    h.connection().fail(
        {.cause = ConnectionError::Cause::kHttpStatus, .message = "404", .http_status = 404});
    h.settle();
    ASSERT_EQ(h.log->connection_errors.size(), 2U);
    EXPECT_EQ(h.log->connection_errors[1].attempt, 2U);
    EXPECT_EQ(h.log->connection_errors[1].http_status, 404);
    EXPECT_EQ(h.log->only({"state"}), (Events{"state:connecting"})) << "still connecting";
    h.scheduler.advance(h.log->connection_errors[1].retry_in);
    h.acceptInit();
    EXPECT_EQ(h.log->only({"state", "connected"}),
              (Events{"state:connecting", "state:connected", "connected:alice"}));
}

TEST(ClientCore, ShutdownWhileConnectingDropsTheAttemptAtOnce) {
    CoreHarness h;
    h.core->start(h.aliceToken());
    h.settle();
    bool closed = false;
    const auto closing = h.core->shutdown([&closed] { closed = true; });
    EXPECT_EQ(closing, nullptr) << "nothing to close gracefully: no wait for a connect timeout";
    EXPECT_TRUE(h.connection().aborted());
    EXPECT_EQ(h.transport.live(), 0U);
    EXPECT_EQ(h.scheduler.pendingTimers(), 0U);
    EXPECT_EQ(h.core->stats().state, ConnectionState::kShutDown);
}

TEST(ClientCore, TrustsNoClockBeforeTheServersTime) {
    CoreHarness h;
    h.core->start(h.aliceToken());
    h.settle();
    EXPECT_EQ(h.scheduler.pendingTimers(), 0U);
    h.scheduler.advance(kTtl + 1h);
    EXPECT_TRUE(h.log->only({"token"}).empty()) << "expiry is left to the server until then";
}

TEST(ClientCore, WarnsAtExpMinusWindowAndExpiresAtExpToTheMillisecond) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    const TimePoint exp = kT0 + kTtl;
    advanceTo(h, exp - kWindow - 1ms);
    EXPECT_TRUE(h.log->only({"token"}).empty());
    h.scheduler.advance(1ms);
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire"}));
    advanceTo(h, exp - 1ms);
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire"}));
    h.scheduler.advance(1ms);
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire", "tokenExpired"}));

    h.log->clear();
    h.serverSends(protocol::tokenExpiredFrame(unixMillis(h.clock.now())));
    h.serverEnds(protocol::CloseCode::kTokenExpired);
    EXPECT_EQ(h.log->events, (Events{disconnected(protocol::CloseCode::kTokenExpired, false),
                                     "state:waiting_for_token"}))
        << "each event once; no reconnect with an expired token";
    EXPECT_EQ(h.scheduler.pendingTimers(), 0U);
    h.scheduler.advance(1h);
    EXPECT_EQ(h.transport.opened(), 1U);
}

TEST(ClientCore, TheServersWarningAndTheLocalTimerRaceAndTheFirstWins) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    const TimePoint exp = kT0 + kTtl;
    advanceTo(h, exp - kWindow - 10s);
    h.serverSends(protocol::tokenAboutToExpireFrame(
        std::chrono::floor<std::chrono::seconds>(exp).time_since_epoch().count(),
        unixMillis(h.clock.now())));
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire"}));
    h.serverSends(protocol::tokenExpiredFrame(unixMillis(h.clock.now())));
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire", "tokenExpired"}));
    advanceTo(h, exp + 1s);
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire", "tokenExpired"}));
}

TEST(ClientCore, AWarningAboutAnotherExpChangesNothing) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.serverSends(protocol::tokenAboutToExpireFrame(1, unixMillis(h.clock.now())));
    EXPECT_TRUE(h.log->only({"token"}).empty());
}

TEST(ClientCore, FollowsTheServersClockNotTheDevices) {
    CoreHarness h;
    h.core->start(h.aliceToken());
    h.settle();
    h.acceptInit(h.clock.now() + 120s); // the device's clock is two minutes behind the server's
    const TimePoint exp = kT0 + kTtl;
    advanceTo(h, exp - kWindow - 120s - 1ms);
    EXPECT_TRUE(h.log->only({"token"}).empty());
    h.scheduler.advance(1ms);
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire"}));
}

TEST(ClientCore, AWakePastBothDueTimesFiresEachEventOnceInOrder) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.scheduler.jumpTo(kT0 + kTtl + 1h);
    h.settle();
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire", "tokenExpired"}));
    h.scheduler.jumpTo(h.clock.now() + 24h);
    h.settle();
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire", "tokenExpired"}));
}

TEST(ClientCore, ALostConnectionReconnectsWithinTheFirstBackoffCeiling) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    h.log->clear();
    h.serverEnds(kLost);
    EXPECT_EQ(h.log->events, (Events{disconnected(kLost, true), "state:reconnecting"}));
    EXPECT_EQ(h.transport.live(), 0U);
    EXPECT_EQ(h.scheduler.pendingTimers(), 2U) << "the lifecycle timer and the reconnect timer";
    EXPECT_LE(untilNextConnection(h), CoreHarness::defaults().reconnect.initial);
    h.acceptInit();
    EXPECT_EQ(h.log->only({"reconnected", "state"}),
              (Events{"state:reconnecting", "state:connected", "reconnected:alice"}));
}

TEST(ClientCore, BackoffCeilingsDoubleUpToTheMaxWithJitterAndResetAfterSuccess) {
    CoreHarness h;
    h.connectWith(h.aliceToken(12h));
    const auto policy = CoreHarness::defaults().reconnect;
    std::set<std::chrono::milliseconds> waits;
    auto ceiling = policy.initial;
    h.serverEnds(kLost);
    for (int attempt = 0; attempt < 8; ++attempt) {
        const auto waited = untilNextConnection(h);
        EXPECT_LE(waited, ceiling) << "attempt " << attempt;
        waits.insert(waited);
        ceiling = std::min(ceiling * 2, policy.max);
        h.serverEnds(kLost); // the attempt fails before it opens
    }
    EXPECT_GT(waits.size(), 4U) << "full jitter: the delays are not all alike";
    untilNextConnection(h);
    h.acceptInit();
    h.serverEnds(kLost);
    EXPECT_LE(untilNextConnection(h), policy.initial) << "a success starts the ceilings over";
}

TEST(ClientCore, ALongOutageHoldsOneSocketAndAtMostTwoTimers) {
    CoreHarness h;
    h.connectWith(h.aliceToken(12h));
    h.serverEnds(kLost);
    for (int attempt = 0; attempt < 200; ++attempt) {
        untilNextConnection(h, 100ms);
        EXPECT_LE(h.transport.live(), 1U);
        EXPECT_LE(h.scheduler.pendingTimers(), 2U);
        EXPECT_LE(h.core->stats().armed_timers, 2);
        h.serverEnds(kLost);
    }
    EXPECT_EQ(h.core->stats().connect_attempts, 201U);
    EXPECT_EQ(h.core->stats().state, ConnectionState::kReconnecting);
}

TEST(ClientCore, NeverReconnectsWithATokenKnownToHaveExpired) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    const TimePoint exp = kT0 + kTtl;
    advanceTo(h, exp - 3s);
    h.serverEnds(kLost); // lost before the server could close it at exp
    while (h.clock.now() < exp + 10s) {
        h.scheduler.advance(1ms);
        if (h.transport.live() > 0 && h.clock.now() < exp) {
            h.serverEnds(kLost); // attempts before exp fail too
        }
    }
    EXPECT_EQ(h.log->only({"token"}), (Events{"tokenAboutToExpire", "tokenExpired"}));
    EXPECT_EQ(h.core->stats().state, ConnectionState::kWaitingForToken);
    EXPECT_EQ(h.scheduler.pendingTimers(), 0U);
    const auto attempts = h.transport.opened();
    h.scheduler.advance(24h);
    EXPECT_EQ(h.transport.opened(), attempts);
}

TEST(ClientCore, ATokenRefusedAtInitGivesItsCodeAndNoRetry) {
    CoreHarness h;
    // Expired before the client knows the server's time: the server judges it, with its code.
    h.core->start(tokenFor("alice", kT0 - kTtl - 1s, kTtl));
    h.settle();
    h.connection().open();
    h.replyError(h.connection().take(), static_cast<int>(token::TokenError::kExpired));
    h.serverEnds(protocol::CloseCode::kTokenRejected);
    EXPECT_EQ(h.log->events, (Events{"state:connecting", tokenError(token::TokenError::kExpired),
                                     disconnected(protocol::CloseCode::kTokenRejected, false),
                                     "state:waiting_for_token"}));
    h.scheduler.advance(1h);
    EXPECT_EQ(h.transport.opened(), 1U);
}

TEST(ClientCore, RequestsWaitForTheConnectionUpToTheBound) {
    CoreHarness h;
    h.core->start(h.aliceToken());
    h.settle();
    std::vector<Outcome<UnixMillis>> pings(5);
    for (auto& ping : pings) {
        h.core->ping(ping.done());
    }
    h.settle();
    ASSERT_TRUE(pings[4].result);
    EXPECT_EQ(pings[4].result->error().code, static_cast<int>(ClientErrorCode::kQueueFull));
    EXPECT_EQ(h.core->stats().queued_requests, 4U);
    h.acceptInit();
    for (std::int64_t time = 1000; time < 1004; ++time) {
        const auto ping = h.connection().take(); // in the order they were made
        EXPECT_EQ(ping.op, protocol::op::kPing);
        h.replyOk(ping, protocol::pingReply(time));
    }
    for (std::size_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(pings[i].result);
        ASSERT_TRUE(*pings[i].result) << pings[i].result->error().message;
        EXPECT_EQ(pings[i].result->value().time_since_epoch().count(),
                  1000 + static_cast<std::int64_t>(i));
    }
    EXPECT_EQ(h.core->stats().queued_requests, 0U);
}

TEST(ClientCore, ARequestInFlightWhenTheConnectionEndsFailsWith51000) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<UnixMillis> sent;
    h.core->ping(sent.done());
    h.serverEnds(kLost);
    ASSERT_TRUE(sent.result);
    EXPECT_EQ(sent.result->error().code, static_cast<int>(ClientErrorCode::kConnectionLost));
    Outcome<UnixMillis> waiting;
    h.core->ping(waiting.done());
    untilNextConnection(h);
    h.acceptInit();
    h.replyOk(h.connection().take(), protocol::pingReply(5));
    ASSERT_TRUE(waiting.result);
    EXPECT_TRUE(*waiting.result) << "a request made while reconnecting goes out after init";
}

TEST(ClientCore, ShutdownFailsWhatWaitsClosesAndForgetsEverything) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<UnixMillis> in_flight;
    h.core->ping(in_flight.done());
    bool closed = false;
    const auto closing = h.core->shutdown([&closed] { closed = true; });
    ASSERT_TRUE(in_flight.result);
    EXPECT_EQ(in_flight.result->error().code, static_cast<int>(ClientErrorCode::kShutDown));
    ASSERT_TRUE(closing);
    EXPECT_TRUE(h.connection().closeRequested());
    EXPECT_EQ(h.scheduler.pendingTimers(), 0U);
    EXPECT_FALSE(closed);
    h.serverEnds(1000);
    EXPECT_TRUE(closed);
    Outcome<TokenInfo> update;
    h.core->updateToken(h.aliceToken(), update.done());
    ASSERT_TRUE(update.result);
    EXPECT_EQ(update.result->error().code, static_cast<int>(ClientErrorCode::kShutDown));
    h.scheduler.advance(24h);
    EXPECT_EQ(h.transport.opened(), 1U);
}

} // namespace
} // namespace parley::client::testing
