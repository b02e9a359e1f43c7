// The C++ SDK given the URLs of two nodes over real sockets: it skips a node that refuses, and
// when the node it is on dies (kill -9) it moves to the other one and resumes by index, with no
// message lost or repeated. The two `parley serve` processes share a data folder but never run
// at once (SQLite), which is all moving needs. Every wait has a deadline.

#include "client_recorder.hpp"
#include "loopback_port.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
using client::ConnectionError;

std::string urlAt(std::uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
}

TEST(ClientUrls, SkipsARefusingNodeThenMovesBackWhenItsNodeIsKilledAndResumesByIndex) {
    const auto data_dir = freshDirectory();
    HeldPort node_a;
    std::optional<ServerProcess> node_b{std::in_place, std::vector<std::string>{}, data_dir};
    const std::vector<std::string> urls = {urlAt(node_a.port()), urlAt(node_b->port())};
    auto recorder = std::make_shared<ClientRecorder>();
    auto chat = client::ChatClient::create(
        mintToken("alice", 600s),
        {.urls = urls, .reconnect = {.initial = 50ms, .max = 200ms}, .listener = recorder});
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->connections == 1; }));
    {
        const std::lock_guard lock{recorder->mutex};
        ASSERT_FALSE(recorder->errors.empty());
        EXPECT_EQ(recorder->errors.front().url, urls[0]) << "the error names the refusing node";
        EXPECT_EQ(recorder->errors.front().cause, ConnectionError::Cause::kRefused);
        EXPECT_EQ(recorder->errors.front().retry_in, 0ms) << "the next node at once";
    }
    EXPECT_EQ(chat->stats().url, urls[1]);
    ASSERT_TRUE(chat->createChannel("nodes").get());
    ASSERT_TRUE(chat->send("nodes", "one").get());

    EXPECT_EQ(node_b->stop(SIGKILL), 128 + SIGKILL);
    node_a.release();
    ServerProcess node_a_up{{}, data_dir, true, node_a.port()};
    WsTestClient bob{node_a_up.port()};
    ASSERT_EQ(bob.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);
    ASSERT_EQ(bob.request("channel.join", {{"channel", "nodes"}})["ok"], true);
    // Sent while alice may still be away: she gets it by catch-up or live, once either way.
    ASSERT_EQ(bob.request("message.send", {{"channel", "nodes"}, {"body", "two"}})["ok"], true);

    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->connections == 2; }))
        << "never moved to the other node";
    EXPECT_EQ(chat->stats().url, urls[0]);
    ASSERT_TRUE(chat->send("nodes", "three").get());
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->messages.size() >= 3; }));
    ASSERT_TRUE(chat->ping().get()); // a barrier: anything repeated would be delivered by now
    chat->shutdown();
    const std::lock_guard lock{recorder->mutex};
    std::vector<std::string> bodies;
    for (const auto& message : recorder->messages) {
        EXPECT_EQ(message.index, static_cast<std::int64_t>(bodies.size()));
        bodies.push_back(message.body);
    }
    EXPECT_EQ(bodies, (std::vector<std::string>{"one", "two", "three"}));
    ASSERT_FALSE(recorder->disconnects.empty());
    EXPECT_TRUE(recorder->disconnects.front().will_reconnect);
    std::filesystem::remove_all(data_dir);
}

} // namespace
} // namespace parley::testing
