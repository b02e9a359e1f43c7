// The SDK against real sockets where a new user goes wrong or goes fast: a port nobody listens
// on, a wrong path, 300 lines pasted at once into a server with a small rate limit, a message too
// long for the protocol. Every wait has a deadline; nothing is timed by the wall clock.

#include "client_recorder.hpp"
#include "loopback_port.hpp"
#include "protocol/codes.hpp"
#include "protocol/names.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <gtest/gtest.h>

#include <future>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
using client::ChatClient;
using client::ConnectionError;
using client::ConnectionState;

std::shared_ptr<ChatClient> clientAt(const std::string& url,
                                     std::shared_ptr<ClientRecorder> recorder,
                                     const std::string& identity = "alice") {
    return ChatClient::create(mintToken(identity, 600s),
                              {.url = url,
                               .reconnect = {.initial = 50ms, .max = 200ms},
                               .listener = std::move(recorder)});
}

TEST(ClientConnect, ARefusedPortIsToldAsConnectingThenEachRefusedAttempt) {
    HeldPort refusing;
    auto recorder = std::make_shared<ClientRecorder>();
    auto chat = clientAt("ws://127.0.0.1:" + std::to_string(refusing.port()) + "/v1/ws", recorder);
    auto join = chat->join("general"); // waits, queued, for a connection that never comes
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->errors.size() >= 3; }));
    {
        const std::lock_guard lock{recorder->mutex};
        EXPECT_EQ(recorder->states, (std::vector<ConnectionState>{ConnectionState::kConnecting}));
        for (std::size_t i = 0; i < recorder->errors.size(); ++i) {
            const auto& error = recorder->errors[i];
            EXPECT_EQ(error.cause, ConnectionError::Cause::kRefused) << error.message;
            EXPECT_NE(error.message.find("refused"), std::string::npos) << error.message;
            EXPECT_EQ(error.attempt, i + 1);
            EXPECT_TRUE(error.will_retry);
        }
        EXPECT_TRUE(recorder->disconnects.empty()) << "never connected, so never disconnected";
    }
    chat->shutdown();
    ASSERT_EQ(join.wait_for(0s), std::future_status::ready) << "shutdown fails what waits";
    EXPECT_EQ(join.get().error().code, static_cast<int>(client::ClientErrorCode::kShutDown));
}

TEST(ClientConnect, AWrongPathIsToldWithTheHttpStatusOfTheRefusedUpgrade) {
    ServerProcess server;
    auto recorder = std::make_shared<ClientRecorder>();
    auto chat =
        clientAt("ws://127.0.0.1:" + std::to_string(server.port()) + "/no/such/path", recorder);
    ASSERT_TRUE(recorder->waitUntil([&] { return !recorder->errors.empty(); }));
    chat->shutdown();
    const std::lock_guard lock{recorder->mutex};
    const auto& error = recorder->errors.front();
    EXPECT_EQ(error.cause, ConnectionError::Cause::kHttpStatus) << error.message;
    EXPECT_EQ(error.http_status, 404);
    EXPECT_NE(error.message.find("404"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("/no/such/path"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("path is /v1/ws"), std::string::npos)
        << "no hint at the right path: " << error.message;
}

TEST(ClientConnect, ShutdownRightAfterCreateNeverHangs) {
    // Shutting down while the first connection still resolves once left a socket open that kept
    // shutdown() waiting (a lookup finishing after the abort went on to connect).
    ServerProcess server;
    for (int run = 0; run < 30; ++run) {
        auto chat = clientAt("ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws",
                             std::make_shared<ClientRecorder>());
        auto stopped = std::async(std::launch::async, [&chat] { chat->shutdown(); });
        ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready) << "run " << run;
    }
}

TEST(ClientConnect, TheInitReplyAnnouncesTheConnectionsRateLimits) {
    ServerProcess server{{"--rate-limit", "40", "--rate-burst", "8"}};
    WsTestClient raw{server.port()};
    const auto reply = raw.request("init", {{"token", mintToken("alice", 600s)}});
    ASSERT_EQ(reply["ok"], true) << reply.dump();
    EXPECT_EQ(reply["limits"], (Json{{"rate_per_second", 40}, {"rate_burst", 8}}));
}

TEST(ClientPacing, ThreeHundredMessagesBackToBackAreAllAcknowledgedAndDeliveredInOrder) {
    ServerProcess server{{"--rate-limit", "40", "--rate-burst", "8"}};
    auto recorder = std::make_shared<ClientRecorder>();
    auto chat = clientAt("ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws", recorder);
    ASSERT_TRUE(chat->createChannel("pasted").get());
    constexpr std::size_t kLines = 300;
    std::vector<std::future<client::Result<client::Message>>> sent;
    for (std::size_t i = 0; i < kLines; ++i) { // as fast as a paste: no waiting between them
        sent.push_back(chat->send("pasted", "line " + std::to_string(i)));
    }
    for (std::size_t i = 0; i < kLines; ++i) {
        ASSERT_EQ(sent[i].wait_for(60s), std::future_status::ready) << "line " << i;
        const auto message = sent[i].get();
        ASSERT_TRUE(message) << "line " << i << ": " << message.error().code << " "
                             << message.error().message;
        EXPECT_EQ(message->index, static_cast<std::int64_t>(i));
        EXPECT_EQ(message->body, "line " + std::to_string(i));
    }
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->messages.size() >= kLines; }));
    const std::lock_guard lock{recorder->mutex};
    for (std::size_t i = 0; i < kLines; ++i) {
        EXPECT_EQ(recorder->messages[i].index, static_cast<std::int64_t>(i));
    }
    EXPECT_TRUE(recorder->disconnects.empty()) << "no close (4429)";
    EXPECT_EQ(chat->stats().connect_attempts, 1U);
}

TEST(ClientLimits, AMessageOver32KiBIsRefusedLocallyAndTheConnectionStays) {
    ServerProcess server;
    auto recorder = std::make_shared<ClientRecorder>();
    auto chat = clientAt("ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws", recorder);
    ASSERT_TRUE(chat->createChannel("long").get());
    for (const std::size_t size : {protocol::kMaxBodyBytes + 1, std::size_t{64} * 1024}) {
        const auto refused = chat->send("long", std::string(size, 'x')).get();
        ASSERT_FALSE(refused) << size;
        EXPECT_EQ(refused.error().code, static_cast<int>(protocol::ErrorCode::kBodyTooLarge));
        EXPECT_NE(refused.error().message.find("message too long"), std::string::npos);
    }
    const auto fits = chat->send("long", std::string(protocol::kMaxBodyBytes, 'x')).get();
    ASSERT_TRUE(fits) << fits.error().message;
    EXPECT_EQ(fits->index, 0) << "the refused ones never reached the server";
    const std::lock_guard lock{recorder->mutex};
    EXPECT_TRUE(recorder->disconnects.empty()) << "no 1009";
}

} // namespace
} // namespace parley::testing
