// The per-identity connection limit across nodes over a real redis-server: two RedisBrokers on
// one Redis are two nodes. What one node admits counts on the other; a release frees a slot; a
// node that stops refreshing (killed) stops counting once its liveness key expires; a node that
// restarts under its name drops its earlier counts at once; without Redis, or with a Redis that
// never answers, every admission falls back to the node's own count instead of waiting.

#include "redis_server.hpp"
#include "server/broker/redis_broker.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace parley::server {
namespace {

using namespace std::chrono_literals;
using parley::testing::waitUntil;
constexpr auto kDeadline = 20s;

struct Answer {
    SessionSlot slot = 0;
    bool admitted = false;
};

// Asks `broker` to admit one more session of `identity`; nullopt if it never answers.
std::optional<Answer> admit(Broker& broker, const std::string& identity, std::size_t limit) {
    auto promise = std::make_shared<std::promise<bool>>();
    auto answered = promise->get_future();
    const SessionSlot slot =
        broker.admitSession(identity, limit, [promise](bool ok) { promise->set_value(ok); });
    if (answered.wait_for(kDeadline) != std::future_status::ready) {
        return std::nullopt;
    }
    return Answer{.slot = slot, .admitted = answered.get()};
}

bool admitted(Broker& broker, const std::string& identity, std::size_t limit) {
    const auto answer = admit(broker, identity, limit);
    return answer && answer->admitted;
}

// Until `broker` admits one (what it refuses is not counted); false at the deadline.
bool eventuallyAdmitted(Broker& broker, const std::string& identity, std::size_t limit) {
    return waitUntil([&] { return admitted(broker, identity, limit); }, kDeadline);
}

// Whether `broker` refuses one more now; one it admits is released, so asking counts nothing.
bool refused(Broker& broker, const std::string& identity, std::size_t limit) {
    const auto answer = admit(broker, identity, limit);
    if (answer && answer->admitted) {
        broker.releaseSession(answer->slot);
    }
    return answer && !answer->admitted;
}

RedisOptions nodeOptions(int port, std::string node_id = {}, std::chrono::milliseconds ttl = 60s) {
    return RedisOptions{.port = port,
                        .reconnect_delay = 20ms,
                        .node_id = std::move(node_id),
                        .node_ttl = ttl,
                        .count_timeout = 5s};
}

bool connected(const RedisBroker& broker) {
    return waitUntil([&] { return broker.health().ends_with(" connected"); }, kDeadline);
}

// How many fields the identity's hash has in Redis (live or not).
long long fieldsOf(int port, const std::string& identity) {
    redisContext* context = redisConnect("127.0.0.1", port);
    auto* reply = static_cast<redisReply*>(
        redisCommand(context, "HLEN %s", sessionCountKey(identity).c_str()));
    const long long count = reply != nullptr ? reply->integer : -1;
    freeReplyObject(reply);
    redisFree(context);
    return count;
}

TEST(RedisSessionCounts, TheLimitHoldsAcrossTwoNodesAndAReleaseFreesASlot) {
    test::RedisServer redis;
    RedisBroker first{nodeOptions(redis.port(), "n1")};
    RedisBroker second{nodeOptions(redis.port(), "n2")};
    ASSERT_TRUE(connected(first));
    ASSERT_TRUE(connected(second));
    const auto one = admit(first, "alice", 3);
    ASSERT_TRUE(one && one->admitted);
    EXPECT_TRUE(admitted(first, "alice", 3));
    EXPECT_TRUE(admitted(second, "alice", 3));
    EXPECT_FALSE(admitted(second, "alice", 3));
    EXPECT_FALSE(admitted(first, "alice", 3));
    EXPECT_TRUE(admitted(second, "bob", 3)); // another identity has slots of its own
    first.releaseSession(one->slot);
    EXPECT_TRUE(eventuallyAdmitted(second, "alice", 3));
    EXPECT_FALSE(admitted(first, "alice", 3));
}

TEST(RedisSessionCounts, AStoppedNodesSessionsStopCountingOnceItsLivenessKeyExpires) {
    test::RedisServer redis;
    auto doomed = std::make_unique<RedisBroker>(nodeOptions(redis.port(), {}, 1500ms));
    RedisBroker survivor{nodeOptions(redis.port(), "n2")};
    ASSERT_TRUE(connected(*doomed));
    ASSERT_TRUE(connected(survivor));
    ASSERT_TRUE(admitted(*doomed, "alice", 2));
    ASSERT_TRUE(admitted(*doomed, "alice", 2));
    EXPECT_FALSE(admitted(survivor, "alice", 2));
    // Gone without a word, as with kill -9: its fields stay in Redis, but stop counting.
    doomed->shutdown();
    doomed.reset();
    EXPECT_EQ(fieldsOf(redis.port(), "alice"), 2);
    EXPECT_TRUE(eventuallyAdmitted(survivor, "alice", 2));
    EXPECT_TRUE(admitted(survivor, "alice", 2));
    EXPECT_FALSE(admitted(survivor, "alice", 2));
    EXPECT_EQ(fieldsOf(redis.port(), "alice"), 2); // the dead node's were deleted on the way
}

// The TTL is a minute, longer than the deadline: only the restart can free the slots.
TEST(RedisSessionCounts, ANodeRestartedUnderItsNameDropsItsEarlierCountsAtOnce) {
    test::RedisServer redis;
    auto node = std::make_unique<RedisBroker>(nodeOptions(redis.port(), "n1"));
    RedisBroker other{nodeOptions(redis.port(), "n2")};
    ASSERT_TRUE(connected(*node));
    ASSERT_TRUE(connected(other));
    ASSERT_TRUE(admitted(*node, "alice", 2));
    ASSERT_TRUE(admitted(*node, "alice", 2));
    EXPECT_FALSE(admitted(other, "alice", 2));
    node->shutdown();
    node = std::make_unique<RedisBroker>(nodeOptions(redis.port(), "n1"));
    ASSERT_TRUE(connected(*node));
    EXPECT_TRUE(eventuallyAdmitted(other, "alice", 2));
}

// Someone deleted the node's liveness key (or its thread stalled past the TTL): the other node
// takes the slots, deleting the node's fields, until the node's next refresh notices and writes
// its sessions again.
TEST(RedisSessionCounts, ANodeWhoseLivenessKeyLapsedCountsItsSessionsAgain) {
    test::RedisServer redis;
    RedisBroker node{nodeOptions(redis.port(), "n1", 900ms)};
    RedisBroker other{nodeOptions(redis.port(), "n2")};
    ASSERT_TRUE(connected(node));
    ASSERT_TRUE(connected(other));
    ASSERT_TRUE(admitted(node, "alice", 2));
    ASSERT_TRUE(admitted(node, "alice", 2));
    redisContext* context = redisConnect("127.0.0.1", redis.port());
    auto* live = static_cast<redisReply*>(redisCommand(context, "GET parley:node:n1"));
    ASSERT_EQ(live->type, REDIS_REPLY_STRING);
    freeReplyObject(redisCommand(context, "DEL %s", live->str));
    freeReplyObject(live);
    redisFree(context);
    EXPECT_TRUE(waitUntil([&] { return refused(other, "alice", 2); }, kDeadline));
}

TEST(RedisSessionCounts, WithoutRedisItAdmitsAndCountsThoseSessionsOnceRedisIsBack) {
    test::RedisServer redis;
    redis.stop();
    RedisBroker lonely{nodeOptions(redis.port(), "n1")};
    EXPECT_TRUE(admitted(lonely, "alice", 1));
    EXPECT_TRUE(admitted(lonely, "alice", 1));
    redis.start();
    RedisBroker other{nodeOptions(redis.port(), "n2")};
    ASSERT_TRUE(connected(lonely));
    ASSERT_TRUE(connected(other));
    // Both were written to Redis when the node reconnected: the other node is full at 2.
    EXPECT_TRUE(waitUntil([&] { return refused(other, "alice", 2); }, kDeadline));
    EXPECT_TRUE(admitted(other, "alice", 3));
}

// A "Redis" that takes connections and never answers: the kernel completes the handshake.
class SilentServer {
public:
    SilentServer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        if (::bind(fd_, generic, length) != 0 || ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, generic, &length) != 0) {
            throw std::runtime_error("cannot listen");
        }
        port_ = ntohs(address.sin_port);
    }
    ~SilentServer() { ::close(fd_); }
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    int port() const { return port_; }

private:
    int fd_;
    int port_ = 0;
};

TEST(RedisSessionCounts, ARedisThatNeverAnswersIsNotWaitedForPastTheTimeout) {
    SilentServer silent;
    RedisOptions options = nodeOptions(silent.port(), "n1");
    options.count_timeout = 100ms;
    RedisBroker broker{options};
    ASSERT_TRUE(connected(broker));
    EXPECT_TRUE(admitted(broker, "alice", 1));
    EXPECT_TRUE(admitted(broker, "alice", 1));
}

} // namespace
} // namespace parley::server
