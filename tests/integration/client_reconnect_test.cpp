// The client SDK end to end across outages: a server killed and started again, updateToken while
// reconnecting, no reconnect with a token known to be expired, and what a long outage holds.
// Real ChatClients against the real `parley serve`, as in client_test.cpp.

#include "client_end_to_end.hpp"

namespace parley::testing {
namespace {

TEST(ClientEndToEnd, ServerRestartMidConversationLosesAndRepeatsNothing) {
    RestartableServer server{"restart"};
    const std::uint16_t port = server.port();
    Client alice{port, mintToken("alice", 600s)};
    Client bob{port, mintToken("bob", 600s)};
    ASSERT_TRUE(alice.chat->createChannel("conv").get());
    ASSERT_TRUE(bob.chat->join("conv").get());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(bob.chat->send("conv", "before-" + std::to_string(i)).get());
    }
    ASSERT_TRUE(alice.log->waitForMessages(5));

    server.kill();
    ASSERT_TRUE(alice.log->waitFor("disconnected:0"));
    server.start();
    // Bob's sends wait for his reconnection; Alice may still be reconnecting while they land.
    for (int i = 0; i < 5; ++i) {
        auto sent = bob.chat->send("conv", "after-" + std::to_string(i)).get();
        ASSERT_TRUE(sent) << sent.error().message;
    }
    ASSERT_TRUE(alice.log->waitFor("reconnected:alice"));
    ASSERT_TRUE(alice.log->waitForMessages(10));
    EXPECT_EQ(indexesOf(alice.log->messages()), range(10)) << "exactly once, in index order";
    // A later message still arrives live, once.
    ASSERT_TRUE(bob.chat->send("conv", "late").get());
    ASSERT_TRUE(alice.log->waitForMessages(11));
    EXPECT_EQ(indexesOf(alice.log->messages()), range(11));
}

TEST(ClientEndToEnd, UpdateTokenWhileReconnectingIsUsedByTheNextInit) {
    RestartableServer server{"update"};
    Client alice{server.port(), mintToken("alice", 600s)};
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    server.kill();
    ASSERT_TRUE(
        eventually([&] { return alice.chat->stats().state == ConnectionState::kReconnecting; }));
    auto update = alice.chat->updateToken(mintToken("alice", 900s));
    EXPECT_EQ(update.wait_for(0s), std::future_status::timeout)
        << "the server's verdict comes with the next init";
    server.start();
    ASSERT_EQ(update.wait_for(10s), std::future_status::ready);
    auto accepted = update.get();
    ASSERT_TRUE(accepted) << accepted.error().message;
    ASSERT_TRUE(alice.log->waitFor("reconnected:alice"));
    EXPECT_EQ(alice.log->count("tokenUpdated"), 1U);
}

TEST(ClientEndToEnd, NoReconnectAttemptWithATokenKnownToBeExpired) {
    auto server = std::make_unique<ServerProcess>();
    Client alice{server->port(), mintToken("alice", 5s)};
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    server->stop(SIGKILL); // the connection breaks before the server could close it at exp
    server.reset();
    ASSERT_TRUE(alice.log->waitFor("tokenExpired", 1, 20s));
    ASSERT_TRUE(
        eventually([&] { return alice.chat->stats().state == ConnectionState::kWaitingForToken; }));
    // Reconnects only ever start from the reconnect timer: with no timer armed, none can follow.
    const auto stats = alice.chat->stats();
    EXPECT_EQ(stats.armed_timers, 0);
    EXPECT_EQ(stats.open_sockets, 0);
}

TEST(ClientEndToEnd, ALongOutageHoldsOneSocketAndAFixedSetOfTimers) {
    auto server = std::make_unique<ServerProcess>();
    Client alice{server->port(), mintToken("alice", 600s), 1s, {.initial = 5ms, .max = 20ms}};
    ASSERT_TRUE(alice.log->waitFor("connected:alice"));
    server->stop(SIGKILL);
    server.reset();
    int samples = 0;
    ASSERT_TRUE(eventually(
        [&] {
            const auto stats = alice.chat->stats();
            EXPECT_LE(stats.open_sockets, 1);
            EXPECT_LE(stats.armed_timers, 2) << "the lifecycle timer and the reconnect timer";
            ++samples;
            return stats.connect_attempts >= 60;
        },
        20s));
    EXPECT_GE(samples, 2) << "the bounds were checked during the outage, not only at its end";
}

} // namespace
} // namespace parley::testing
