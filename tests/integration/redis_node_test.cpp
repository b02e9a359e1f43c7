// `parley serve --broker redis://HOST:PORT --node-id NAME`: the node connects to the Redis of
// the test's own (started on a free port in a temporary folder) and /healthz says so, and says
// when Redis is gone.

#include "redis_server.hpp"
#include "server_process.hpp"
#include "wait_until.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace parley::testing {
using namespace std::chrono_literals;
namespace {

TEST(RedisNode, HealthReportsTheNodeAndItsRedisConnection) {
    server::test::RedisServer redis;
    const std::string where = "127.0.0.1:" + std::to_string(redis.port());
    ServerProcess node{{"--broker", "redis://" + where, "--node-id", "n1"}};
    const auto connected = [&] {
        const auto health = node.get("/healthz");
        return health.status == 200 && health.body.starts_with("ok\nnode: n1\nstore: sqlite ") &&
               health.body.ends_with(" reachable\nbroker: redis " + where + " connected\n");
    };
    EXPECT_TRUE(waitUntil(connected, 20s));
    redis.stop();
    EXPECT_TRUE(waitUntil(
        [&] {
            return node.get("/healthz").body.ends_with("broker: redis " + where + " unreachable\n");
        },
        20s));
    redis.start();
    EXPECT_TRUE(waitUntil(connected, 20s));
}

void sendFive(WsTestClient& sender, int& sent) {
    for (int i = 0; i < 5; ++i, ++sent) {
        const auto reply =
            sender.request("message.send", {{"channel", "room"}, {"body", std::to_string(sent)}});
        ASSERT_EQ(reply["ok"], true) << reply.dump();
    }
}

// Events go through Redis even on one node; Redis killed and restarted between sends: the
// sends still succeed (the store has them) and the reader gets every message once, in order.
TEST(RedisNode, AReaderGetsEveryMessageOnceInOrderAcrossARedisRestart) {
    server::test::RedisServer redis;
    ServerProcess node{{"--broker", "redis://127.0.0.1:" + std::to_string(redis.port())}};
    WsTestClient sender{node.port()};
    ASSERT_EQ(sender.request("init", {{"token", mintToken("sender", 600s)}})["ok"], true);
    ASSERT_EQ(sender.request("channel.create", {{"unique_name", "room"}})["ok"], true);
    WsTestClient reader{node.port()};
    ASSERT_EQ(reader.request("init", {{"token", mintToken("reader", 600s)}})["ok"], true);
    ASSERT_EQ(reader.request("channel.join", {{"channel", "room"}})["ok"], true);
    std::vector<std::int64_t> indexes;
    const auto receive = [&](int count) {
        for (int i = 0; i < count; ++i) {
            const auto event = reader.waitForEvent("message", 20s);
            ASSERT_TRUE(event.has_value()) << "after " << indexes.size();
            indexes.push_back(event->at("message").at("index").get<std::int64_t>());
        }
    };
    int sent = 0;
    sendFive(sender, sent);
    receive(5);
    redis.stop();
    sendFive(sender, sent);
    redis.start();
    sendFive(sender, sent);
    receive(10);
    // One more as a barrier: a repeat of an earlier message would come before it.
    ASSERT_EQ(sender.request("message.send", {{"channel", "room"}, {"body", "last"}})["ok"], true);
    ++sent;
    receive(1);
    std::vector<std::int64_t> expected;
    for (std::int64_t i = 0; i < sent; ++i) {
        expected.push_back(i);
    }
    EXPECT_EQ(indexes, expected);
}

} // namespace
} // namespace parley::testing
