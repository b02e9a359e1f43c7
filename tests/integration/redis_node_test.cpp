// `parley serve --broker redis://HOST:PORT --node-id NAME`: the node connects to the Redis of
// the test's own (started on a free port in a temporary folder) and /healthz says so, and says
// when Redis is gone.

#include "../unit/server/broker/redis_server.hpp"
#include "server_process.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace parley::testing {
using namespace std::chrono_literals;
namespace {

TEST(RedisNode, HealthReportsTheNodeAndItsRedisConnection) {
    server::test::RedisServer redis;
    const std::string where = "127.0.0.1:" + std::to_string(redis.port());
    ServerProcess node{{"--broker", "redis://" + where, "--node-id", "n1"}};
    const auto connected = [&] {
        const auto health = node.get("/healthz");
        return health.status == 200 &&
               health.body == "ok\nnode: n1\nbroker: redis " + where + " connected\n";
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

} // namespace
} // namespace parley::testing
