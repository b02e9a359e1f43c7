// Bad input and limits: oversized frames, malformed frames, repeated protocol errors, rate limits
// and connections per identity. The server must answer each with its documented code and stay up.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

namespace parley::testing {
namespace {

class LimitsTest : public ::testing::Test {
protected:
    ServerProcess server_{
        {"--rate-limit", "5", "--rate-burst", "10", "--max-connections-per-identity", "2"}};

    void expectServerStillServes() {
        WsTestClient probe{server_.port()};
        EXPECT_EQ(probe.request("init", {{"token", mintToken("probe", 600s)}})["ok"], true);
    }
};

TEST_F(LimitsTest, ClosesFramesOver64KiBWith1009) {
    WsTestClient client{server_.port()};
    client.sendText(R"({"id":1,"op":"ping","pad":")" + std::string(64 * 1024, 'x') + "\"}");
    EXPECT_EQ(client.waitForClose(), 1009);
    expectServerStillServes();
}

TEST_F(LimitsTest, AnswersMalformedFramesWithCodesAndClosesWith4400AfterRepeatedErrors) {
    WsTestClient client{server_.port()};
    ASSERT_EQ(client.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    client.sendText("{not json");
    auto reply = client.waitFor([](const Json& f) { return f.contains("error"); });
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->at("error")["code"], 50001);
    EXPECT_TRUE(reply->at("reply_to").is_null());

    EXPECT_EQ(client.request("no.such.op")["error"]["code"], 50002);
    EXPECT_EQ(client.request("channel.join", {{"channel", 42}})["error"]["code"], 50003);
    client.sendText(R"({"id":"seven","op":"ping"})");
    reply = client.waitFor([](const Json& f) { return f.contains("error"); });
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->at("error")["code"], 50001);
    // The fifth protocol error closes the connection.
    client.sendText("[]");
    EXPECT_EQ(client.waitForClose(), 4400);
    expectServerStillServes();
}

TEST_F(LimitsTest, RateLimitsAConnectionWith50429ThenCloses4429) {
    WsTestClient client{server_.port()};
    ASSERT_EQ(client.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    for (int i = 0; i < 60; ++i) {
        client.send("ping");
    }
    const auto limited = client.waitFor(
        [](const Json& f) { return f.contains("error") && f["error"]["code"] == 50429; });
    EXPECT_TRUE(limited.has_value());
    EXPECT_EQ(client.waitForClose(), 4429);
}

TEST_F(LimitsTest, RefusesConnectionsBeyondThePerIdentityLimit) {
    WsTestClient first{server_.port()};
    WsTestClient second{server_.port()};
    WsTestClient third{server_.port()};
    ASSERT_EQ(first.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    ASSERT_EQ(second.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    const Json refused = third.request("init", {{"token", mintToken("alice", 600s)}});
    EXPECT_EQ(refused["error"]["code"], 50430);
    EXPECT_EQ(third.waitForClose(), 4429);
    // Once one leaves, the identity may connect again.
    first.closeNormally();
    ASSERT_TRUE(first.waitForEnd());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    bool accepted = false;
    while (!accepted && std::chrono::steady_clock::now() < deadline) {
        WsTestClient again{server_.port()};
        accepted = again.request("init", {{"token", mintToken("alice", 600s)}})["ok"] == true;
    }
    EXPECT_TRUE(accepted);
}

TEST_F(LimitsTest, SurvivesGarbageAndAbruptDisconnects) {
    for (int i = 0; i < 20; ++i) {
        WsTestClient client{server_.port()};
        client.sendText(
            std::string(static_cast<std::size_t>(i) * 97, static_cast<char>('{' + i % 3)));
    }
    expectServerStillServes();
}

} // namespace
} // namespace parley::testing
