// The SDK's catch-up after a reconnect, when what it missed is more than one history reply
// holds (1 MiB of messages): it must page on by index until it has every message, once, in
// order.

#include "client_event_log.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

namespace parley::testing {
namespace {

std::vector<std::int64_t> indexesOf(const std::vector<client::Message>& messages) {
    std::vector<std::int64_t> out;
    for (const auto& message : messages) {
        out.push_back(message.index);
    }
    return out;
}

// Stores `count` messages of 32 KiB through a server of its own on `data_dir`, while the
// client's server is down.
void storeWhileAway(const std::filesystem::path& data_dir, int count) {
    ServerProcess other{{"--rate-limit", "100000", "--rate-burst", "100000"}, data_dir};
    WsTestClient bob{other.port()};
    ASSERT_EQ(bob.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);
    ASSERT_EQ(bob.request("channel.join", {{"channel", "gap"}})["ok"], true);
    std::uint64_t last = 0;
    for (int i = 0; i < count; ++i) {
        last =
            bob.send("message.send", {{"channel", "gap"}, {"body", std::string(32 * 1024, 'g')}});
    }
    const auto reply = bob.waitForReply(last, 60s);
    ASSERT_TRUE(reply.has_value());
    ASSERT_EQ((*reply)["ok"], true);
    other.stop(SIGTERM);
}

TEST(CatchUp, TheSdkPagesOnUntilAGapLargerThanOneReplyIsFilled) {
    const auto data_dir =
        std::filesystem::temp_directory_path() / ("parley-catch-up-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    auto server = std::make_unique<ServerProcess>(std::vector<std::string>{}, data_dir);
    const std::uint16_t port = server->port();
    auto log = std::make_shared<ClientEventLog>();
    auto alice = client::ChatClient::create(
        mintToken("alice", 600s),
        client::ChatClientOptions{.url = "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws",
                                  .reconnect = {.initial = 50ms, .max = 200ms},
                                  .listener = log});
    ASSERT_TRUE(alice->createChannel("gap").get());
    ASSERT_TRUE(alice->send("gap", "first").get());
    ASSERT_TRUE(log->waitForMessages(1));

    ASSERT_EQ(server->stop(SIGKILL), 128 + SIGKILL);
    server.reset();
    ASSERT_TRUE(log->waitFor("disconnected:0"));
    constexpr int kMissed = 100; // 3.2 MiB: at least four replies
    storeWhileAway(data_dir, kMissed);
    server = std::make_unique<ServerProcess>(std::vector<std::string>{}, data_dir, true, port);

    ASSERT_TRUE(log->waitFor("reconnected:alice"));
    ASSERT_TRUE(log->waitForMessages(1 + kMissed, 30s)) << log->messages().size() << " messages";
    std::vector<std::int64_t> expected;
    for (std::int64_t index = 0; index <= kMissed; ++index) {
        expected.push_back(index);
    }
    EXPECT_EQ(indexesOf(log->messages()), expected) << "exactly once, in index order";
    alice->shutdown();
    server.reset();
    std::filesystem::remove_all(data_dir);
}

} // namespace
} // namespace parley::testing
