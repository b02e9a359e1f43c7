// `parley serve --store postgresql://...` end to end: two nodes on one PostgreSQL database share
// channels and history over real WebSockets, and a PostgreSQL outage turns sends into 50500 and
// /healthz into 503 until it is back, with nothing acknowledged lost.

#include "postgres_server.hpp"
#include "protocol/codes.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace parley::testing {
namespace {

std::vector<std::string> bodiesOf(const Json& history) {
    std::vector<std::string> bodies;
    for (const Json& message : history["messages"]) {
        bodies.push_back(message["body"]);
    }
    return bodies;
}

TEST(PostgresStore, TwoNodesShareChannelsAndHistory) {
    PostgresServer postgres;
    postgres.createDatabase("chat");
    ServerProcess node_a{{"--store", postgres.url("chat")}};
    // The other node names the store in its configuration file instead.
    const auto config = std::filesystem::temp_directory_path() /
                        ("parley-pg-node-" + std::to_string(::getpid()) + ".toml");
    std::ofstream{config} << "store = \"" << postgres.url("chat") << "\"\n";
    ServerProcess node_b{{"--config", config.string()}};
    std::filesystem::remove(config);

    WsTestClient alice{node_a.port()};
    ASSERT_EQ(alice.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    ASSERT_EQ(alice.request("channel.create", {{"unique_name", "shared"}})["ok"], true);
    for (const std::string body : {"one", "two"}) {
        const Json sent = alice.request("message.send", {{"channel", "shared"}, {"body", body}});
        ASSERT_EQ(sent["ok"], true) << sent.dump();
    }

    WsTestClient bob{node_b.port()};
    ASSERT_EQ(bob.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);
    ASSERT_EQ(bob.request("channel.join", {{"channel", "shared"}})["ok"], true) << "same channel";
    const Json sent = bob.request("message.send", {{"channel", "shared"}, {"body", "three"}});
    ASSERT_EQ(sent["ok"], true) << sent.dump();
    EXPECT_EQ(sent["message"]["index"], 2) << "node B continues node A's indexes";

    const Json history = alice.request("message.history", {{"channel", "shared"}});
    ASSERT_EQ(history["ok"], true) << history.dump();
    EXPECT_EQ(bodiesOf(history), (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_EQ(node_a.get("/healthz").status, 200);
}

TEST(PostgresStore, AnOutageFailsSendsWith50500AndNothingAcknowledgedIsLost) {
    PostgresServer postgres;
    postgres.createDatabase("chat");
    ServerProcess node{{"--store", postgres.url("chat")}};
    WsTestClient alice{node.port()};
    ASSERT_EQ(alice.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    ASSERT_EQ(alice.request("channel.create", {{"unique_name", "general"}})["ok"], true);
    ASSERT_EQ(alice.request("message.send", {{"channel", "general"}, {"body", "before"}})["ok"],
              true);

    postgres.stop();
    const Json refused = alice.request("message.send", {{"channel", "general"}, {"body", "lost"}});
    EXPECT_EQ(refused["ok"], false) << refused.dump();
    EXPECT_EQ(refused["error"]["code"], static_cast<int>(protocol::ErrorCode::kInternal));
    const auto down = node.get("/healthz");
    EXPECT_EQ(down.status, 503);
    EXPECT_NE(down.body.find("\nstore: postgresql "), std::string::npos) << down.body;
    EXPECT_NE(down.body.find("/chat unreachable\n"), std::string::npos) << down.body;

    postgres.start();
    const auto up = node.get("/healthz");
    EXPECT_EQ(up.status, 200);
    EXPECT_NE(up.body.find("/chat reachable\n"), std::string::npos) << up.body;
    const Json after = alice.request("message.send", {{"channel", "general"}, {"body", "after"}});
    ASSERT_EQ(after["ok"], true) << after.dump();
    EXPECT_EQ(after["message"]["index"], 1);
    const Json history = alice.request("message.history", {{"channel", "general"}});
    EXPECT_EQ(bodiesOf(history), (std::vector<std::string>{"before", "after"}));
}

} // namespace
} // namespace parley::testing
