// A 4403 close (the token was revoked) is terminal for the token: tokenError 20120, no reconnect
// with it, a request for a new token; the next token connects again. The same token refused with
// 20120 at init (revoked while the client was away) is handled the same way.

#include "client_core_harness.hpp"

#include <gtest/gtest.h>

namespace parley::client::testing {
namespace {

using Events = std::vector<std::string>;

struct Renewals {
    std::vector<std::string> revoked;
    TokenConsumer::RenewRequest request() {
        return [this](const std::string& token) { revoked.push_back(token); };
    }
};

TEST(ClientCoreRevocation, A4403CloseFiresTokenError20120AndNeverReconnectsWithTheToken) {
    CoreHarness h;
    Renewals renewals;
    h.core->setRenewRequest(renewals.request());
    const std::string revoked = h.aliceToken();
    h.connectWith(revoked);
    h.log->clear();
    h.serverEnds(protocol::CloseCode::kTokenRevoked);
    EXPECT_EQ(h.log->only({"tokenError", "disconnected", "state"}),
              (Events{tokenError(token::TokenError::kRevoked),
                      disconnected(protocol::CloseCode::kTokenRevoked, false),
                      "state:waiting_for_token"}));
    EXPECT_EQ(renewals.revoked, Events{revoked}) << "the provider is asked for a new token";
    h.scheduler.advance(10min);
    EXPECT_EQ(h.transport.opened(), 1U) << "no reconnect with the revoked token";

    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    ASSERT_EQ(h.transport.opened(), 2U);
    EXPECT_EQ(h.acceptInit(), renewed);
    EXPECT_TRUE(outcome.result && *outcome.result);
    EXPECT_EQ(h.core->stats().state, ConnectionState::kConnected);
}

TEST(ClientCoreRevocation, A4403BeforeInitAnsweredForgetsTheTokenInitCarried) {
    CoreHarness h;
    Renewals renewals;
    h.core->setRenewRequest(renewals.request());
    const std::string revoked = h.aliceToken();
    h.core->start(revoked);
    h.settle();
    h.connection().open();
    h.settle();
    h.serverEnds(protocol::CloseCode::kTokenRevoked);
    EXPECT_EQ(h.log->only({"tokenError"}), Events{tokenError(token::TokenError::kRevoked)});
    EXPECT_EQ(renewals.revoked, Events{revoked});
    h.scheduler.advance(10min);
    EXPECT_EQ(h.transport.opened(), 1U);
    EXPECT_EQ(h.core->stats().state, ConnectionState::kWaitingForToken);
}

TEST(ClientCoreRevocation, AnInitRefusedAsRevokedWhileReconnectingAsksForANewToken) {
    CoreHarness h;
    Renewals renewals;
    h.core->setRenewRequest(renewals.request());
    const std::string revoked = h.aliceToken();
    h.connectWith(revoked);
    h.serverEnds(); // the connection breaks; the token is revoked while the client is away
    h.scheduler.advance(CoreHarness::defaults().reconnect.initial);
    ASSERT_EQ(h.transport.opened(), 2U);
    h.log->clear();
    h.connection().open();
    const auto init = h.connection().take();
    ASSERT_EQ(init.op, protocol::op::kInit);
    h.replyError(init, static_cast<int>(token::TokenError::kRevoked));
    h.serverEnds(protocol::CloseCode::kTokenRejected);
    EXPECT_EQ(h.log->only({"tokenError", "state"}),
              (Events{tokenError(token::TokenError::kRevoked), "state:waiting_for_token"}));
    EXPECT_EQ(renewals.revoked, Events{revoked}) << "asked at once, as after a 4403 close";
    h.scheduler.advance(10min);
    EXPECT_EQ(h.transport.opened(), 2U) << "no reconnect with the revoked token";

    const std::string renewed = h.aliceToken();
    Outcome<TokenInfo> outcome;
    h.core->updateToken(renewed, outcome.done());
    h.settle();
    ASSERT_EQ(h.transport.opened(), 3U);
    EXPECT_EQ(h.acceptInit(), renewed);
    EXPECT_EQ(h.core->stats().state, ConnectionState::kConnected);
}

TEST(ClientCoreRevocation, ANewerTokenRefusedAsRevokedAsksNothingItsCallerLearnsIt) {
    CoreHarness h;
    Renewals renewals;
    h.core->setRenewRequest(renewals.request());
    h.connectWith(h.aliceToken());
    Outcome<TokenInfo> outcome;
    h.core->updateToken(h.aliceToken(CoreHarness::kTtl * 2), outcome.done());
    h.settle();
    h.replyError(h.connection().take(), static_cast<int>(token::TokenError::kRevoked));
    ASSERT_TRUE(outcome.result);
    EXPECT_EQ(outcome.result->error().code, static_cast<int>(token::TokenError::kRevoked));
    EXPECT_TRUE(renewals.revoked.empty()) << "the token in force stays; the caller asks again";
    EXPECT_EQ(h.core->stats().state, ConnectionState::kConnected);
}

} // namespace
} // namespace parley::client::testing
