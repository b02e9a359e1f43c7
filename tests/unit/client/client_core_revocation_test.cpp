// A 4403 close (the token was revoked) is terminal for the token: tokenError 20120, no reconnect
// with it, a request for a new token; the next token connects again.

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

} // namespace
} // namespace parley::client::testing
