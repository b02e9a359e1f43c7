// Every acknowledged message survives kill -9 of the server; graceful shutdown closes with 1001
// and exits 0.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <set>

namespace parley::testing {
namespace {

TEST(Durability, EveryAcknowledgedMessageSurvivesKill9AndRestart) {
    const auto data_dir = std::filesystem::temp_directory_path() /
                          ("parley-durability-" + std::to_string(::getpid()));
    std::filesystem::remove_all(data_dir);
    std::vector<std::string> acknowledged;
    {
        ServerProcess server{{}, data_dir};
        WsTestClient client{server.port()};
        ASSERT_EQ(client.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
        ASSERT_EQ(client.request("channel.create", {{"unique_name", "durable"}})["ok"], true);
        // Pipeline sends without waiting, then kill while some may still be in flight: only the
        // acknowledged ones are promised.
        std::vector<std::uint64_t> ids;
        for (int i = 0; i < 200; ++i) {
            ids.push_back(client.send("message.send",
                                      {{"channel", "durable"}, {"body", "m" + std::to_string(i)}}));
        }
        for (std::uint64_t id : ids) {
            const auto reply = client.waitForReply(id, 2s);
            if (reply && reply->value("ok", false)) {
                acknowledged.push_back((*reply)["message"]["sid"]);
            }
            if (id == ids[100]) {
                EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
            }
        }
    }
    ASSERT_GE(acknowledged.size(), 50U);
    ServerProcess restarted{{}, data_dir};
    WsTestClient client{restarted.port()};
    ASSERT_EQ(client.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    std::set<std::string> stored;
    std::int64_t expected_index = 0;
    std::optional<std::int64_t> after;
    for (;;) {
        Json args = {{"channel", "durable"}, {"limit", 500}};
        if (after) {
            args["after"] = *after;
        } else {
            args["after"] = -1;
        }
        const Json page = client.request("message.history", args);
        ASSERT_EQ(page["ok"], true) << page.dump();
        if (page["messages"].empty()) {
            break;
        }
        for (const Json& message : page["messages"]) {
            EXPECT_EQ(message["index"], expected_index++) << "indexes must be contiguous";
            stored.insert(message["sid"].get<std::string>());
            after = message["index"].get<std::int64_t>();
        }
    }
    for (const std::string& sid : acknowledged) {
        EXPECT_TRUE(stored.contains(sid)) << "acknowledged message " << sid << " was lost";
    }
    // New messages continue the sequence rather than reuse an index.
    const Json next = client.request("message.send", {{"channel", "durable"}, {"body", "after"}});
    EXPECT_EQ(next["message"]["index"], expected_index);
    std::filesystem::remove_all(data_dir);
}

TEST(Shutdown, SigtermClosesConnectionsWith1001AndExitsZero) {
    ServerProcess server;
    WsTestClient alice{server.port()};
    WsTestClient stranger{server.port()};
    ASSERT_EQ(alice.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    EXPECT_EQ(server.stop(SIGTERM), 0);
    EXPECT_EQ(alice.waitForClose(), 1001);
    EXPECT_EQ(stranger.waitForClose(), 1001);
}

} // namespace
} // namespace parley::testing
