// Two nodes' hubs over one Redis and one shared store, in one process: what a member on either
// node gets when messages are sent on both, and when Redis restarts in the middle of it.

#include "hub_gap_fixture.hpp"
#include "redis_server.hpp"
#include "server/broker/redis_broker.hpp"

namespace parley::server::hub_gaps {
namespace {

std::unique_ptr<Broker> redisOn(const test::RedisServer& server) {
    return std::make_unique<RedisBroker>(
        RedisOptions{.port = server.port(), .reconnect_delay = 20ms});
}

class HubRedisTest : public ::testing::Test {
protected:
    test::RedisServer redis_;
    TempSqliteStore store_;
    Chat chat_{*store_};
    Node one_{*store_, redisOn(redis_)};
    Node two_{*store_, redisOn(redis_)};
    std::shared_ptr<RecordingSink> alice_ = std::make_shared<RecordingSink>();
    std::shared_ptr<RecordingSink> bob_ = std::make_shared<RecordingSink>();

    void SetUp() override {
        one_.attach("alice", alice_, chat_.sid);
        two_.attach("bob", bob_, chat_.sid);
    }
    ::testing::AssertionResult bothReceiveEveryMessage() {
        if (auto alice = receives(*alice_, chat_.frames); !alice) {
            return alice << " (alice, on node one)";
        }
        return receives(*bob_, chat_.frames) << " (bob, on node two)";
    }
};

// Node one may publish before node two's SUBSCRIBE has reached Redis: that message is lost for
// two, and the next one it gets (here from its own node) shows the jump.
TEST_F(HubRedisTest, MessagesSentOnEitherNodeReachEveryMemberInOrderOnce) {
    for (int i = 0; i < 20; ++i) {
        Node& sender = i % 2 == 0 ? one_ : two_;
        chat_.publish(*sender.broker, chat_.append("m" + std::to_string(i)));
    }
    chat_.publish(*one_.broker, chat_.append("last from one"));
    chat_.publish(*two_.broker, chat_.append("last from two"));
    EXPECT_TRUE(bothReceiveEveryMessage());
}

TEST_F(HubRedisTest, AfterRedisRestartsDeliveryResumesAndTheGapIsFilled) {
    chat_.publish(*one_.broker, chat_.append("before"));
    chat_.publish(*two_.broker, chat_.append("before, from two"));
    ASSERT_TRUE(bothReceiveEveryMessage());

    redis_.stop();
    ASSERT_TRUE(waitUntil([&] { return one_.broker->health().ends_with("unreachable"); }, kWait));
    // Stored but never published: a node that died between its commit and its publish.
    chat_.append("stored while Redis was down");
    // Published while down: queued by the broker until Redis is back.
    chat_.publish(*one_.broker, chat_.append("sent while Redis was down"));
    redis_.start();

    EXPECT_TRUE(bothReceiveEveryMessage());
    chat_.publish(*two_.broker, chat_.append("after"));
    EXPECT_TRUE(bothReceiveEveryMessage());
}

} // namespace
} // namespace parley::server::hub_gaps
