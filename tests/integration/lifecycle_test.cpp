// The token lifecycle as the server enforces it on a live connection (DESIGN.md, "Token
// lifecycle" rules 1-4 and the close codes), over real WebSockets with windows of seconds. The
// exact instants (exp - W to the millisecond, exp) are checked on a manual clock in
// tests/unit/server/session_core_test.cpp; here only what real time cannot get wrong: events
// never come early, and they do come.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

namespace parley::testing {
namespace {

std::int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool isEvent(const Json& frame, const char* name) {
    return frame.is_object() && frame.value("event", "") == name;
}

class LifecycleTest : public ::testing::Test {
protected:
    // W = 2 s, so tokens of a few seconds exercise every rule quickly.
    ServerProcess server_{{"--about-to-expire-window", "2", "--init-timeout", "1"}};
};

TEST_F(LifecycleTest, InitRepliesWithIdentityExpiryAndServerTime) {
    WsTestClient client{server_.port()};
    const std::string token = mintToken("alice", std::chrono::seconds{600});
    const auto before = nowMillis();
    const Json reply = client.request("init", {{"token", token}});
    ASSERT_EQ(reply.value("ok", false), true) << reply.dump();
    EXPECT_EQ(reply["identity"], "alice");
    EXPECT_NEAR(reply["expires_at"].get<double>(), static_cast<double>(before / 1000 + 600), 2);
    EXPECT_GE(reply["server_time"].get<std::int64_t>(), before - 1000);
    EXPECT_LE(reply["server_time"].get<std::int64_t>(), nowMillis() + 1000);
}

TEST_F(LifecycleTest, ClosesWith4408WithoutInitInTime) {
    WsTestClient client{server_.port()};
    EXPECT_EQ(client.waitForClose(5s), 4408);
}

TEST_F(LifecycleTest, RejectsAnExpiredTokenAtInitWith20104And4401) {
    WsTestClient client{server_.port()};
    const Json reply = client.request("init", {{"token", mintToken("alice", -5s)}});
    EXPECT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["error"]["code"], 20104);
    EXPECT_EQ(client.waitForClose(), 4401);
}

TEST_F(LifecycleTest, RejectsAForgedTokenAtInitWith20107And4401) {
    token::ApiKey forged = kTestKey;
    forged.secret = "not-the-secret";
    const auto token =
        token::AccessTokenBuilder{forged}.identity("mallory").mint(token::SystemClock::instance());
    WsTestClient client{server_.port()};
    const Json reply = client.request("init", {{"token", *token}});
    EXPECT_EQ(reply["error"]["code"], 20107);
    EXPECT_EQ(client.waitForClose(), 4401);
}

TEST_F(LifecycleTest, RefusesOtherOpsBeforeInit) {
    WsTestClient client{server_.port()};
    const Json reply = client.request("channel.list");
    EXPECT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["error"]["code"], 50004);
}

TEST_F(LifecycleTest, WarnsOnceAtExpMinusWindowThenExpiresAndCloses4410) {
    WsTestClient client{server_.port()};
    const Json reply = client.request("init", {{"token", mintToken("alice", 4s)}});
    ASSERT_EQ(reply["ok"], true) << reply.dump();
    const std::int64_t expires_ms = reply["expires_at"].get<std::int64_t>() * 1000;

    const auto warning = client.waitForEvent("token_about_to_expire", 6s);
    ASSERT_TRUE(warning.has_value());
    EXPECT_EQ(warning->at("expires_at"), reply["expires_at"]);
    // Due at exp - W, never before; the server stamps when it sent it. How late it may be is
    // measured under load in bench/, not asserted here.
    EXPECT_GE(warning->at("server_time").get<std::int64_t>(), expires_ms - 2000);

    const auto expired = client.waitForEvent("token_expired", 6s);
    ASSERT_TRUE(expired.has_value());
    EXPECT_GE(expired->at("server_time").get<std::int64_t>(), expires_ms);
    EXPECT_EQ(client.waitForClose(), 4410);
    EXPECT_FALSE(client.hasQueued([](const Json& f) {
        return isEvent(f, "token_about_to_expire");
    })) << "token_about_to_expire was sent more than once";
}

TEST_F(LifecycleTest, WarnsAtOnceWhenLessThanTheWindowIsLeft) {
    WsTestClient client{server_.port()};
    // 1-2 s left (exp is in whole seconds) with W = 2 s.
    const auto sent = client.send("init", {{"token", mintToken("alice", 2s)}});
    const auto reply = client.waitForReply(sent);
    ASSERT_TRUE(reply.has_value());
    ASSERT_EQ((*reply)["ok"], true) << reply->dump();
    EXPECT_TRUE(client.waitForEvent("token_about_to_expire", 5s).has_value());
    EXPECT_EQ(client.waitForClose(5s), 4410);
}

TEST_F(LifecycleTest, RenewalKeepsTheSocketAndRearmsTheTimers) {
    WsTestClient client{server_.port()};
    const Json init = client.request("init", {{"token", mintToken("alice", 3s)}});
    ASSERT_EQ(init["ok"], true);
    ASSERT_TRUE(client.waitForEvent("token_about_to_expire", 3s).has_value());

    const Json renewed = client.request("update_token", {{"token", mintToken("alice", 5s)}});
    ASSERT_EQ(renewed["ok"], true) << renewed.dump();
    EXPECT_EQ(renewed["identity"], "alice");
    EXPECT_GT(renewed["expires_at"].get<std::int64_t>(), init["expires_at"].get<std::int64_t>());

    // The old exp passes without token_expired; the new token gets its own warning.
    const auto second_warning = client.waitForEvent("token_about_to_expire", 5s);
    ASSERT_TRUE(second_warning.has_value());
    EXPECT_EQ(second_warning->at("expires_at"), renewed["expires_at"]);
    EXPECT_FALSE(client.closed());
    EXPECT_EQ(client.request("ping")["ok"], true);
    const auto expired = client.waitForEvent("token_expired", 4s);
    ASSERT_TRUE(expired.has_value());
    EXPECT_GE(expired->at("server_time").get<std::int64_t>(),
              renewed["expires_at"].get<std::int64_t>() * 1000);
    EXPECT_EQ(client.waitForClose(), 4410);
}

TEST_F(LifecycleTest, RefusesAnIdentityChangeWith20106AndKeepsTheConnection) {
    WsTestClient client{server_.port()};
    ASSERT_EQ(client.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    const Json reply = client.request("update_token", {{"token", mintToken("bob", 600s)}});
    EXPECT_EQ(reply["ok"], false);
    EXPECT_EQ(reply["error"]["code"], 20106);
    const Json ping = client.request("ping");
    EXPECT_EQ(ping["ok"], true);
    EXPECT_FALSE(client.closed());
}

TEST_F(LifecycleTest, KeepsTheOldTokenWhenAnUpdateIsRejected) {
    WsTestClient client{server_.port()};
    ASSERT_EQ(client.request("init", {{"token", mintToken("alice", 3s)}})["ok"], true);
    const Json reply = client.request("update_token", {{"token", mintToken("alice", -1s)}});
    EXPECT_EQ(reply["error"]["code"], 20104);
    // Still enforced: the old token expires at its own exp.
    ASSERT_TRUE(client.waitForEvent("token_expired", 5s).has_value());
    EXPECT_EQ(client.waitForClose(), 4410);
}

} // namespace
} // namespace parley::testing
