// HTTP on the WebSocket port: health, metrics counting what happened, REST reads with API keys.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

namespace parley::testing {
namespace {

// The value of one sample line ("name{labels} value") in a Prometheus text page.
double metric(const std::string& page, const std::string& sample) {
    const auto at = page.find("\n" + sample + " ");
    if (at == std::string::npos) {
        return -1;
    }
    return std::stod(page.substr(at + sample.size() + 2));
}

TEST(Http, AnswersHealthAndUnknownPaths) {
    ServerProcess server;
    EXPECT_EQ(server.get("/healthz").status, 200);
    EXPECT_EQ(server.get("/nope").status, 404);
    EXPECT_EQ(server.get("/v1/ws").status, 426);
}

TEST(Http, MetricsCountWhatHappened) {
    ServerProcess server{{"--about-to-expire-window", "2"}};
    {
        WsTestClient ok{server.port()};
        // 2-3 s left (exp is in whole seconds): time for the ops below before the token runs out.
        ASSERT_EQ(ok.request("init", {{"token", mintToken("alice", 3s)}})["ok"], true);
        ASSERT_EQ(ok.request("channel.create", {{"unique_name", "m"}})["ok"], true);
        ASSERT_EQ(ok.request("message.send", {{"channel", "m"}, {"body", "1"}})["ok"], true);
        ASSERT_TRUE(ok.waitForEvent("token_about_to_expire").has_value());
        EXPECT_EQ(ok.waitForClose(), 4410);
        WsTestClient expired{server.port()};
        expired.request("init", {{"token", mintToken("bob", -1s)}});
        EXPECT_EQ(expired.waitForClose(), 4401);
    }
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::string page;
    do {
        page = server.get("/metrics").body;
    } while (metric(page, "parley_connections_open") != 0 &&
             std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(metric(page, "parley_connections_open"), 0);
    EXPECT_EQ(metric(page, R"(parley_tokens_verified_total{code="0"})"), 1);
    EXPECT_EQ(metric(page, R"(parley_tokens_verified_total{code="20104"})"), 1);
    EXPECT_EQ(metric(page, R"(parley_lifecycle_events_total{event="token_about_to_expire"})"), 1);
    EXPECT_EQ(metric(page, R"(parley_lifecycle_events_total{event="token_expired"})"), 1);
    EXPECT_EQ(metric(page, R"(parley_connections_closed_total{reason="token_expired"})"), 1);
    EXPECT_EQ(metric(page, R"(parley_connections_closed_total{reason="token_rejected"})"), 1);
    EXPECT_EQ(metric(page, "parley_messages_stored_total"), 1);
    EXPECT_EQ(metric(page, "parley_store_commit_seconds_count"), 1);
}

TEST(Http, RestApiNeedsAnApiKeyAndReadsChannelsAndMessages) {
    ServerProcess server;
    {
        WsTestClient alice{server.port()};
        ASSERT_EQ(alice.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
        ASSERT_EQ(alice.request("channel.create", {{"unique_name", "pub"}})["ok"], true);
        ASSERT_EQ(
            alice.request("channel.create", {{"unique_name", "priv"}, {"type", "private"}})["ok"],
            true);
        for (int i = 0; i < 3; ++i) {
            ASSERT_EQ(alice.request("message.send",
                                    {{"channel", "pub"}, {"body", std::to_string(i)}})["ok"],
                      true);
        }
    }
    EXPECT_EQ(server.get("/v1/channels").status, 401);
    EXPECT_EQ(server.get("/v1/channels", kTestKey.sid + ":wrong").status, 401);
    const std::string auth = kTestKey.sid + ":" + kTestKey.secret;
    const auto channels = server.get("/v1/channels", auth);
    ASSERT_EQ(channels.status, 200);
    const Json listed = Json::parse(channels.body);
    EXPECT_EQ(listed["channels"].size(), 2U) << "an API key sees every channel";
    const auto messages = server.get("/v1/channels/pub/messages?after=0&limit=5", auth);
    ASSERT_EQ(messages.status, 200);
    const Json page = Json::parse(messages.body);
    ASSERT_EQ(page["messages"].size(), 2U);
    EXPECT_EQ(page["messages"][0]["body"], "1");
    EXPECT_EQ(server.get("/v1/channels/none/messages", auth).status, 404);
    EXPECT_EQ(server.get("/v1/channels/pub/messages?limit=zero", auth).status, 400);
}

} // namespace
} // namespace parley::testing
