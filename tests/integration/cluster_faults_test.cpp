// The faults of several nodes, on the cluster of scripts/cluster (one for the whole file; each
// test leaves it whole again):
// - a node killed with kill -9: a C++ SDK client given every node's URL moves to another node and
//   resumes by index, nothing lost or repeated;
// - Redis restarted while messages flow between nodes: delivery resumes, every acknowledged
//   message arrives once and in order (gaps filled from the store);
// - PostgreSQL restarted: sends fail with 50500 while it is down and succeed after, a new init
//   is refused with 50500 rather than left hanging, nothing acknowledged is lost.

#include "client_recorder.hpp"
#include "cluster_clients.hpp"
#include "cluster_process.hpp"
#include "protocol/codes.hpp"
#include "wait_until.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <numeric>
#include <thread>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kInternal = static_cast<int>(protocol::ErrorCode::kInternal);

class ClusterFaults : public ::testing::Test {
protected:
    static void SetUpTestSuite() { cluster_ = std::make_unique<ClusterProcess>(); }
    static void TearDownTestSuite() { cluster_.reset(); }
    // A test that failed between stopping a part and starting it again leaves the cluster whole
    // for the next ones (start is a no-op for a part that runs).
    void TearDown() override {
        for (const char* part : {"postgres", "redis", "n1", "n2", "n3"}) {
            cluster_->control(std::string{"start "} + part);
        }
    }

    static std::uint16_t node(int index) { return cluster_->nodePort(index); }

    static std::unique_ptr<ClusterProcess> cluster_;
};

std::unique_ptr<ClusterProcess> ClusterFaults::cluster_;

void send(WsTestClient& client, const std::string& channel, const std::string& body) {
    const Json reply = client.request("message.send", {{"channel", channel}, {"body", body}}, 20s);
    ASSERT_EQ(reply["ok"], true) << body << ": " << reply.dump();
}

// The indexes of the next `count` message events of `client`.
std::vector<std::int64_t> receive(WsTestClient& client, std::size_t count) {
    std::vector<std::int64_t> indexes;
    while (indexes.size() < count) {
        const auto event = client.waitForEvent("message", 30s);
        if (!event) {
            ADD_FAILURE() << "no message after " << indexes.size();
            break;
        }
        indexes.push_back(event->at("message").at("index").get<std::int64_t>());
    }
    return indexes;
}

std::vector<std::int64_t> upTo(std::int64_t count) {
    std::vector<std::int64_t> indexes(static_cast<std::size_t>(count));
    std::iota(indexes.begin(), indexes.end(), std::int64_t{0});
    return indexes;
}

TEST_F(ClusterFaults, ANodeKilledWithSigkillLeavesItsClientToResumeOnAnotherByIndex) {
    // n2 first: the client lands there, the node that is killed.
    const std::vector<std::string> urls = {
        ClusterProcess::url(node(1)), ClusterProcess::url(node(2)), ClusterProcess::url(node(0))};
    auto recorder = std::make_shared<ClientRecorder>();
    auto chat = client::ChatClient::create(
        mintToken("failover-alice", 600s),
        {.urls = urls, .reconnect = {.initial = 50ms, .max = 200ms}, .listener = recorder});
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->connections == 1; }, 20s));
    EXPECT_EQ(chat->stats().url, urls[0]);
    ASSERT_TRUE(chat->createChannel("failover").get());
    ASSERT_TRUE(chat->send("failover", "one").get());
    auto bob = connect(node(2), "failover-bob");
    join(*bob, "failover");

    cluster_->control("kill n2");
    // Sent while alice may still be away: she gets them by catch-up or live, once either way.
    send(*bob, "failover", "two");
    send(*bob, "failover", "three");
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->connections == 2; }, 30s))
        << "never moved to another node";
    EXPECT_NE(chat->stats().url, urls[0]);
    ASSERT_TRUE(chat->send("failover", "four").get());
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->messages.size() >= 4; }, 20s));
    ASSERT_TRUE(chat->ping().get()); // a barrier: anything repeated would be delivered by now
    chat->shutdown();
    {
        const std::lock_guard lock{recorder->mutex};
        std::vector<std::string> bodies;
        for (const auto& message : recorder->messages) {
            EXPECT_EQ(message.index, static_cast<std::int64_t>(bodies.size()));
            bodies.push_back(message.body);
        }
        EXPECT_EQ(bodies, (std::vector<std::string>{"one", "two", "three", "four"}));
    }
    cluster_->control("start n2");
}

TEST_F(ClusterFaults, RedisRestartedWhileMessagesFlowLosesAndRepeatsNothing) {
    auto sender = connect(node(0), "redis-sender");
    ASSERT_EQ(sender->request("channel.create", {{"unique_name", "flow"}})["ok"], true);
    std::vector<Client> readers;
    readers.push_back(connect(node(1), "redis-reader-n2"));
    readers.push_back(connect(node(2), "redis-reader-n3"));
    readers.push_back(connect(cluster_->frontPort(), "redis-reader-front"));
    for (auto& reader : readers) {
        join(*reader, "flow");
    }
    // The sender keeps sending, one at a time, while Redis goes down and comes back; every send
    // is acknowledged (the store has it) even while Redis is away.
    std::atomic<bool> flowing{true};
    std::atomic<std::int64_t> acknowledged{0};
    std::thread flow{[&] {
        while (flowing) {
            const Json reply = sender->request(
                "message.send", {{"channel", "flow"}, {"body", std::to_string(acknowledged)}}, 20s);
            if (reply["ok"] != true) {
                ADD_FAILURE() << reply.dump();
                return;
            }
            ++acknowledged;
            std::this_thread::sleep_for(20ms); // pacing the flow, not waiting for an outcome
        }
    }};
    const auto sent_at_least = [&](std::int64_t count) {
        return waitUntil([&] { return acknowledged >= count; }, 30s);
    };
    EXPECT_TRUE(sent_at_least(5));
    cluster_->control("stop redis");
    EXPECT_TRUE(sent_at_least(acknowledged + 5)) << "sends stopped with Redis down";
    cluster_->control("start redis");
    EXPECT_TRUE(sent_at_least(acknowledged + 10));
    flowing = false;
    flow.join();
    // A last message as a barrier: a repeat of an earlier one would arrive before it.
    send(*sender, "flow", "last");
    const std::int64_t total = acknowledged + 1;
    for (auto& reader : readers) {
        EXPECT_EQ(receive(*reader, static_cast<std::size_t>(total)), upTo(total));
    }
}

// A join made while Redis is down: a message sent on another node after the join was
// acknowledged must reach the joiner once Redis is back. The joiner's node learns of the join
// late (its event waits for Redis), when that message is committed already: the joined event
// names the first index the joiner is owed, so that node does not start after the newest one.
TEST_F(ClusterFaults, AMessageSentAfterAJoinReachesTheJoinerWhoseNodeLearntOfItLate) {
    auto sender = connect(node(0), "late-sender");
    ASSERT_EQ(sender->request("channel.create", {{"unique_name", "late"}})["ok"], true);
    send(*sender, "late", "before the join");
    auto joiner = connect(node(1), "late-joiner");
    cluster_->control("stop redis");
    join(*joiner, "late");
    send(*sender, "late", "after the join");
    cluster_->control("start redis");
    send(*sender, "late", "after Redis");
    const auto first = joiner->waitForEvent("message", 30s);
    ASSERT_TRUE(first.has_value()) << "nothing reached the joiner";
    EXPECT_EQ(first->at("message").at("body"), "after the join") << first->dump();
}

TEST_F(ClusterFaults, PostgresRestartedFailsSendsAndInitsWith50500ThenLosesNothing) {
    auto sender = connect(node(0), "pg-sender");
    ASSERT_EQ(sender->request("channel.create", {{"unique_name", "pg"}})["ok"], true);
    auto reader = connect(node(1), "pg-reader");
    join(*reader, "pg");
    send(*sender, "pg", "before");

    cluster_->control("stop postgres");
    const Json refused_send =
        sender->request("message.send", {{"channel", "pg"}, {"body", "lost"}}, 30s);
    EXPECT_EQ(refused_send["error"]["code"], kInternal) << refused_send.dump();
    WsTestClient newcomer{node(2)};
    const Json refused_init = newcomer.request("init", {{"token", mintToken("pg-new", 600s)}}, 30s);
    EXPECT_EQ(refused_init["error"]["code"], kInternal) << refused_init.dump();
    EXPECT_TRUE(
        waitUntil([&] { return httpRequest(node(0), false, "/healthz").status == 503; }, 30s))
        << "/healthz does not say the store is gone";

    cluster_->control("start postgres");
    send(*sender, "pg", "after");
    auto late = connect(node(2), "pg-new");
    EXPECT_EQ(late->request("ping")["ok"], true);
    EXPECT_EQ(receive(*reader, 2), upTo(2)) << "the refused send took no index";
    const Json own = sender->request("message.history", {{"channel", "pg"}}, 15s);
    ASSERT_EQ(own["ok"], true) << own.dump();
    std::vector<std::string> bodies;
    for (const auto& message : own["messages"]) {
        bodies.push_back(message.at("body").get<std::string>());
    }
    EXPECT_EQ(bodies, (std::vector<std::string>{"before", "after"}));
}

} // namespace
} // namespace parley::testing
