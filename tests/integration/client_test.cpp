// The client SDK end to end: real ChatClients and AccessManagers against the real `parley serve`,
// with W and TTLs of a few seconds (DESIGN.md lifecycle rules 1-13 as a user sees them). These
// check the wiring: that the server's frames, closes and clock reach the SDK's events. The logic
// (exact instants, orders, backoff, bounds) is tested event by event with a manual clock in
// tests/unit/client; here TTLs leave seconds of slack and every wait has a generous deadline.

#include "client_end_to_end.hpp"

namespace parley::testing {
namespace {

TEST(ClientEndToEnd, AnExpiredTokenAtCreateGivesTheExpiredCodeAndNoConnectedEvent) {
    ServerProcess server;
    Client alice{server.port(), mintTokenAt("alice", std::chrono::system_clock::now() - 10s, 5s)};
    ASSERT_TRUE(alice.log->waitFor(tokenError(TokenError::kExpired)));
    ASSERT_TRUE(
        eventually([&] { return alice.chat->stats().state == ConnectionState::kWaitingForToken; }));
    // Before any server time the device's clock judges nothing: one init, refused by the server
    // with the same code, and no retry once the expiry is known.
    EXPECT_EQ(alice.chat->stats().connect_attempts, 1U);
    EXPECT_EQ(alice.log->only({"token", "connected"}),
              (std::vector<std::string>{tokenError(TokenError::kExpired)}));
}

TEST(ClientEndToEnd, ATokenTheServerRefusesAtInitGivesItsCodeAndNoConnectedEvent) {
    ServerProcess server;
    token::ApiKey stranger = kTestKey;
    stranger.secret = "not-the-servers-secret-0123456789";
    const auto forged = token::AccessTokenBuilder{stranger}.identity("alice").ttl(600s).mint(
        token::SystemClock::instance());
    Client alice{server.port(), *forged};
    ASSERT_TRUE(alice.log->waitFor(tokenError(TokenError::kInvalidSignature)));
    ASSERT_TRUE(
        eventually([&] { return alice.chat->stats().state == ConnectionState::kWaitingForToken; }));
    EXPECT_EQ(alice.log->count("connected:alice"), 0U);
    EXPECT_EQ(alice.chat->stats().connect_attempts, 1U) << "no retry with a refused token";
}

TEST(ClientEndToEnd, ExpiryWithoutRenewalGivesTokenExpiredThenDisconnected) {
    ServerProcess server{{"--about-to-expire-window", "1"}};
    Client alice{server.port(), mintToken("alice", 6s)};
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    const auto expired_close = disconnected(protocol::CloseCode::kTokenExpired);
    ASSERT_TRUE(alice.log->waitFor(expired_close, 1, 20s));
    EXPECT_EQ(alice.log->only({"token", "disconnected"}),
              (std::vector<std::string>{"tokenAboutToExpire", "tokenExpired", expired_close}));
    ASSERT_TRUE(
        eventually([&] { return alice.chat->stats().state == ConnectionState::kWaitingForToken; }));
    EXPECT_EQ(alice.chat->stats().open_sockets, 0);

    // Rule 9: after expiry, updateToken reconnects the same client.
    auto updated = alice.chat->updateToken(mintToken("alice", 600s)).get();
    ASSERT_TRUE(updated) << updated.error().message;
    ASSERT_TRUE(alice.log->waitFor("reconnected:alice"));
    EXPECT_EQ(alice.log->count("tokenUpdated"), 1U);
    EXPECT_TRUE(alice.chat->createChannel("after-expiry").get());
}

TEST(ClientEndToEnd, RenewalByProviderMakesOneCallPerRenewalAndLosesNoMessage) {
    ServerProcess server{{"--about-to-expire-window", "3"}};
    std::atomic<int> provider_calls{0};
    auto manager = client::AccessManager::create(
        mintToken("alice", 6s),
        client::AccessManagerOptions{
            .about_to_expire_window = 3s,
            .provider = client::blockingProvider([&provider_calls]() -> client::ProviderResult {
                // Fails twice at the first renewal, then keeps succeeding.
                if (++provider_calls <= 2) {
                    return std::unexpected(client::ProviderError{.message = "flaky backend"});
                }
                return mintToken("alice", 6s);
            }),
            .retry = {.initial = 50ms, .max = 100ms},
        });
    // The calls made when each renewal was accepted, read inside the manager's own event: no
    // other renewal can start while the manager's thread delivers it, so the count is exact.
    std::mutex mutex;
    std::vector<int> calls_at_renewal;
    auto renewals = manager->onTokenUpdated([&](const client::TokenInfo&) {
        const std::lock_guard lock{mutex};
        calls_at_renewal.push_back(provider_calls.load());
    });
    // Two clients of one user share the manager's token.
    Client alice{server.port(), *manager->token(), 3s};
    Client alice_phone{server.port(), *manager->token(), 3s};
    manager->attach(alice.chat);
    manager->attach(alice_phone.chat);
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    ASSERT_TRUE(alice_phone.log->waitFor("connected:alice"));
    ASSERT_TRUE(alice.chat->createChannel("renewals").get());
    ASSERT_TRUE(alice_phone.chat->join("renewals").get());

    Client bob{server.port(), mintToken("bob", 600s)};
    ASSERT_TRUE(bob.chat->join("renewals").get());
    // Bob talks across three renewals; each message is waited for, so none is in doubt.
    int sent = 0;
    while (alice.log->count("tokenUpdated") < 3 && sent < 2000) {
        std::this_thread::sleep_for(30ms); // pacing under the server's 50 frames/s rate limit
        auto message = bob.chat->send("renewals", "m" + std::to_string(sent)).get();
        ASSERT_TRUE(message) << message.error().message;
        ++sent;
        ASSERT_TRUE(alice.log->waitForMessages(static_cast<std::size_t>(sent)));
    }
    manager->shutdown(); // no renewal after this; the counts below are final
    std::vector<int> calls;
    {
        const std::lock_guard lock{mutex};
        calls = calls_at_renewal;
    }
    ASSERT_GE(calls.size(), 3U);
    for (std::size_t renewal = 0; renewal < calls.size(); ++renewal) {
        EXPECT_EQ(calls[renewal], static_cast<int>(renewal) + 3)
            << "two failures, then exactly one call per renewal for both clients";
    }
    ASSERT_TRUE(alice_phone.log->waitForMessages(static_cast<std::size_t>(sent)));
    EXPECT_EQ(indexesOf(alice.log->messages()), range(sent));
    EXPECT_EQ(indexesOf(alice_phone.log->messages()), range(sent));
    for (auto* user : {&alice, &alice_phone}) {
        ASSERT_TRUE(user->log->waitFor("tokenUpdated", calls.size()));
        EXPECT_EQ(user->log->count("tokenUpdated"), calls.size()) << "each renewal once";
        EXPECT_EQ(user->log->count("tokenExpired"), 0U);
        EXPECT_TRUE(user->log->only({"disconnected"}).empty());
        EXPECT_EQ(user->chat->stats().connect_attempts, 1U) << "renewal never reconnects";
    }
}

TEST(ClientEndToEnd, AnotherIdentityIsRefusedAsInvalidGrantsAndTheConnectionStays) {
    ServerProcess server;
    Client alice{server.port(), mintToken("alice", 600s)};
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    auto refused = alice.chat->updateToken(mintToken("mallory", 600s)).get();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, codeOf(TokenError::kInvalidGrants));
    ASSERT_TRUE(alice.log->waitFor(tokenError(TokenError::kInvalidGrants)));
    EXPECT_TRUE(alice.chat->ping().get()) << "the old token stays in force";
    EXPECT_EQ(alice.chat->stats().connect_attempts, 1U);
}

TEST(ClientEndToEnd, ShutdownThenAnotherIdentityInTheSameProcess) {
    ServerProcess server;
    auto alice = std::make_unique<Client>(server.port(), mintToken("alice", 600s));
    ASSERT_TRUE(alice->log->waitFor("connected:alice"));
    ASSERT_TRUE(alice->chat->createChannel("handover").get());
    alice->chat->shutdown();
    EXPECT_EQ(alice->chat->stats().state, ConnectionState::kShutDown);
    auto late = alice->chat->send("handover", "after shutdown").get();
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, static_cast<int>(client::ClientErrorCode::kShutDown));
    const auto events_at_shutdown = alice->log->events().size();

    Client bob{server.port(), mintToken("bob", 600s)};
    ASSERT_TRUE(bob.log->waitFor("connected:bob"));
    ASSERT_TRUE(bob.chat->join("handover").get());
    ASSERT_TRUE(bob.chat->send("handover", "hello").get());
    ASSERT_TRUE(bob.log->waitForMessages(1));
    EXPECT_EQ(alice->log->events().size(), events_at_shutdown) << "no callback after shutdown";
}

TEST(ClientEndToEnd, LambdasAndTheListenerInterfaceGetTheSameEvents) {
    ServerProcess server{{"--about-to-expire-window", "1"}};
    Client alice{server.port(), mintToken("alice", 5s)};
    std::mutex mutex;
    std::vector<std::string> from_lambdas;
    auto record = [&](std::string event) {
        const std::lock_guard lock{mutex};
        from_lambdas.push_back(std::move(event));
    };
    // Registered after create: the interface listener was given at create, so compare from the
    // first event both saw.
    auto subscriptions = std::vector<client::Subscription>{};
    subscriptions.push_back(
        alice.chat->onTokenExpired([&](const auto&) { record("tokenExpired"); }));
    subscriptions.push_back(alice.chat->onDisconnected([&](const client::Disconnect& d) {
        record("disconnected:" + std::to_string(d.close_code));
    }));
    ASSERT_TRUE(alice.log->waitFor(disconnected(protocol::CloseCode::kTokenExpired), 1, 20s));
    ASSERT_TRUE(eventually([&] {
        const std::lock_guard lock{mutex};
        return from_lambdas.size() >= 2;
    }));
    EXPECT_EQ(from_lambdas, alice.log->only({"tokenExpired", "disconnected"}));
}

TEST(ClientEndToEnd, AClockJumpPastBothDueTimesFiresEachEventOnce) {
    ServerProcess server;
    token::ManualClock clock{token::SystemClock::instance().now()};
    auto log = std::make_shared<ClientEventLog>();
    auto alice = ChatClient::create(mintToken("alice", 600s),
                                    ChatClientOptions{.url = urlOf(server.port()),
                                                      .about_to_expire_window = 180s,
                                                      .listener = log,
                                                      .clock = &clock,
                                                      .clock_recheck = 10ms});
    ASSERT_TRUE(log->waitFor("connected:alice"));
    clock.advance(10min); // the device slept past exp - W and exp; the server's clock did not
    ASSERT_TRUE(log->waitFor("tokenExpired"));
    EXPECT_EQ(log->only({"token"}),
              (std::vector<std::string>{"tokenAboutToExpire", "tokenExpired"}));
    clock.advance(1h);
    EXPECT_TRUE(alice->ping().get());
    EXPECT_EQ(log->count("tokenAboutToExpire"), 1U);
    EXPECT_EQ(log->count("tokenExpired"), 1U);
    alice->shutdown();
}

TEST(ClientEndToEnd, UpdateTokenInsideACallbackRenewsWithoutDeadlockOrReconnect) {
    ServerProcess server{{"--about-to-expire-window", "3"}};
    Client alice{server.port(), mintToken("alice", 6s), 3s};
    std::atomic<bool> renewed{false};
    // Blocking on the future inside the callback: the future is fulfilled on the network thread,
    // not the callback thread, so this cannot deadlock.
    auto renew = alice.chat->onTokenAboutToExpire([&](const client::TokenInfo&) {
        if (!renewed.exchange(true)) {
            auto result = alice.chat->updateToken(mintToken("alice", 600s)).get();
            EXPECT_TRUE(result) << result.error().message;
        }
    });
    ASSERT_TRUE(alice.log->waitFor("tokenUpdated", 1, 20s));
    EXPECT_TRUE(alice.chat->ping().get());
    EXPECT_EQ(alice.log->count("tokenExpired"), 0U);
    EXPECT_EQ(alice.chat->stats().connect_attempts, 1U);
}

// DESIGN rule 13: one cause, one code, wherever it is found.

TEST(ClientEndToEnd, TheSameCauseGivesTheSameCodeWhereverItIsFound) {
    ServerProcess server;
    const std::string expired = mintTokenAt("alice", std::chrono::system_clock::now() - 20s, 10s);
    const std::string mallory = mintToken("mallory", 600s);
    // At create (the SDK's pre-check).
    Client refused{server.port(), expired};
    ASSERT_TRUE(refused.log->waitFor(tokenError(TokenError::kExpired)));
    // On updateToken of a live client.
    Client alice{server.port(), mintToken("alice", 600s)};
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    auto update = alice.chat->updateToken(expired).get();
    ASSERT_FALSE(update);
    EXPECT_EQ(update.error().code, codeOf(TokenError::kExpired));
    auto other = alice.chat->updateToken(mallory).get();
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, codeOf(TokenError::kInvalidGrants));
    // At the server, for a client that does not pre-check: init and update_token.
    const std::string init{protocol::op::kInit};
    const std::string update_token{protocol::op::kUpdateToken};
    WsTestClient raw{server.port()};
    EXPECT_EQ(raw.request(init, {{"token", mintToken("alice", 600s)}})["ok"], true);
    EXPECT_EQ(raw.request(update_token, {{"token", expired}})["error"]["code"],
              codeOf(TokenError::kExpired));
    EXPECT_EQ(raw.request(update_token, {{"token", mallory}})["error"]["code"],
              codeOf(TokenError::kInvalidGrants));
    WsTestClient raw_init{server.port()};
    EXPECT_EQ(raw_init.request(init, {{"token", expired}})["error"]["code"],
              codeOf(TokenError::kExpired));
}

} // namespace
} // namespace parley::testing
