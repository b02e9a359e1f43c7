// `--max-connections-per-identity` across two `parley serve` nodes sharing one Redis (each with
// a SQLite folder of its own): the limit counts the identity's connections on both, an init past
// it is refused with 50430 and closed with 4429 on either node, closing a connection on one node
// frees a slot on the other, and a node killed with kill -9 stops holding its slots once its
// liveness key in Redis expires.

#include "redis_server.hpp"
#include "server_process.hpp"
#include "wait_until.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>

namespace parley::testing {
using namespace std::chrono_literals;
namespace {

constexpr auto kDeadline = 20s;

class IdentityLimitNodesTest : public ::testing::Test {
protected:
    std::unique_ptr<ServerProcess> startNode(const std::string& name) {
        auto node = std::make_unique<ServerProcess>(std::vector<std::string>{
            "--broker", "redis://127.0.0.1:" + std::to_string(redis_.port()), "--node-id", name,
            "--max-connections-per-identity", "3"});
        const bool connected = waitUntil(
            [&] { return node->get("/healthz").body.ends_with(" connected\n"); }, kDeadline);
        EXPECT_TRUE(connected) << name << " never reached Redis";
        return node;
    }

    // A connection of alice on `node`, initialized; fails the test if refused.
    static std::unique_ptr<WsTestClient> connect(const ServerProcess& node) {
        auto client = std::make_unique<WsTestClient>(node.port());
        const Json reply = client->request("init", {{"token", mintToken("alice", 600s)}});
        EXPECT_EQ(reply["ok"], true) << reply.dump();
        return client;
    }

    static void expectRefused(const ServerProcess& node) {
        WsTestClient client{node.port()};
        const Json reply = client.request("init", {{"token", mintToken("alice", 600s)}});
        ASSERT_TRUE(reply.contains("error")) << "accepted: " << reply.dump();
        EXPECT_EQ(reply["error"]["code"], 50430) << reply.dump();
        EXPECT_EQ(client.waitForClose(), 4429);
    }

    // Until an init on `node` is accepted (a slot freed elsewhere reaches Redis a round trip
    // later); the accepted connection, or null at the deadline.
    static std::unique_ptr<WsTestClient> eventuallyConnect(const ServerProcess& node) {
        std::unique_ptr<WsTestClient> accepted;
        waitUntil(
            [&] {
                auto client = std::make_unique<WsTestClient>(node.port());
                if (client->request("init", {{"token", mintToken("alice", 600s)}})["ok"] == true) {
                    accepted = std::move(client);
                }
                return accepted != nullptr;
            },
            kDeadline);
        return accepted;
    }

    server::test::RedisServer redis_;
};

TEST_F(IdentityLimitNodesTest, TheLimitCountsConnectionsOnEveryNodeAndAClosedOneFreesASlot) {
    const auto first = startNode("n1");
    const auto second = startNode("n2");
    auto a1 = connect(*first);
    const auto a2 = connect(*first);
    const auto b1 = connect(*second);
    expectRefused(*second); // the fourth, though the second node holds only one
    expectRefused(*first);
    a1->closeNormally();
    ASSERT_TRUE(a1->waitForEnd());
    const auto b2 = eventuallyConnect(*second);
    EXPECT_NE(b2, nullptr);
    expectRefused(*first);
}

TEST_F(IdentityLimitNodesTest, ANodeKilledStopsHoldingItsSlotsOnceItsLivenessExpires) {
    const auto doomed = startNode("n1");
    const auto survivor = startNode("n2");
    const auto a1 = connect(*doomed);
    const auto a2 = connect(*doomed);
    const auto a3 = connect(*doomed);
    expectRefused(*survivor);
    doomed->stop(SIGKILL);
    const auto b1 = eventuallyConnect(*survivor);
    EXPECT_NE(b1, nullptr);
}

} // namespace
} // namespace parley::testing
