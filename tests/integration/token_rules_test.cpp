// Token rules every op obeys, over a real socket: a token needs a chat grant to open chat (with
// or without --chat-service), and nothing takes effect at or after the token's exp.

#include "protocol/codes.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <deque>

namespace parley::testing {
namespace {

constexpr int kExpired = static_cast<int>(token::TokenError::kExpired);
constexpr int kInvalidGrants = static_cast<int>(token::TokenError::kInvalidGrants);

std::string videoOnlyToken(const std::string& identity) {
    return *token::AccessTokenBuilder{kTestKey}
                .identity(identity)
                .ttl(600s)
                .video(token::VideoGrant{.room = "lobby"})
                .mint(token::SystemClock::instance());
}

TEST(TokenRules, AVideoOnlyTokenOfTheSameKeyOpensNoChatWithoutAChatService) {
    ServerProcess server;
    WsTestClient refused{server.port()};
    const Json init = refused.request("init", {{"token", videoOnlyToken("alice")}});
    EXPECT_EQ(init["error"]["code"], kInvalidGrants) << init.dump();
    EXPECT_EQ(refused.waitForClose(), static_cast<int>(protocol::CloseCode::kTokenRejected));

    WsTestClient live{server.port()};
    ASSERT_EQ(live.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
    const Json update = live.request("update_token", {{"token", videoOnlyToken("alice")}});
    EXPECT_EQ(update["error"]["code"], kInvalidGrants) << update.dump();
    EXPECT_EQ(live.request("ping")["ok"], true) << "the token in force stays";
}

TEST(TokenRules, ChatServicePinsWhichServiceTheGrantNames) {
    const std::string service = "IS" + std::string(32, '4');
    ServerProcess server{{"--chat-service", service}};
    WsTestClient other{server.port()};
    const std::string elsewhere = "IS" + std::string(32, '5');
    EXPECT_EQ(
        other.request("init", {{"token", mintToken("alice", 600s, elsewhere)}})["error"]["code"],
        kInvalidGrants);
    WsTestClient pinned{server.port()};
    EXPECT_EQ(pinned.request("init", {{"token", mintToken("alice", 600s, service)}})["ok"], true);
}

// Messages are sent back to back through exp. Whatever the server acknowledged is dated before
// exp; what reached it at or after exp got 20104, and the connection closed 4410.
TEST(TokenRules, NothingTakesEffectAtOrAfterExp) {
    ServerProcess server{{"--rate-limit", "100000", "--rate-burst", "100000"}};
    WsTestClient client{server.port()};
    const Json init = client.request("init", {{"token", mintToken("alice", 3s)}});
    ASSERT_EQ(init["ok"], true);
    const std::int64_t exp_ms = init["expires_at"].get<std::int64_t>() * 1000;
    ASSERT_EQ(client.request("channel.create", {{"unique_name", "c"}})["ok"], true);
    std::deque<std::uint64_t> in_flight;
    int acknowledged = 0;
    int refused = 0;
    const auto check = [&](const Json& reply) {
        if (reply.value("ok", false)) {
            ++acknowledged;
            EXPECT_LT(reply["message"]["date_created"].get<std::int64_t>(), exp_ms);
        } else {
            ++refused;
            EXPECT_EQ(reply["error"]["code"], kExpired) << reply.dump();
        }
    };
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!client.closed() && std::chrono::steady_clock::now() < deadline) {
        in_flight.push_back(client.send("message.send", {{"channel", "c"}, {"body", "tick"}}));
        if (in_flight.size() >= 4) {
            if (const auto reply = client.waitForReply(in_flight.front(), 5s)) {
                check(*reply);
            }
            in_flight.pop_front();
        }
    }
    for (const std::uint64_t id : in_flight) {
        if (const auto reply = client.waitForReply(id, 100ms)) {
            check(*reply);
        }
    }
    EXPECT_EQ(client.waitForClose(), static_cast<int>(protocol::CloseCode::kTokenExpired));
    EXPECT_GT(acknowledged, 0);

    WsTestClient reader{server.port()};
    ASSERT_EQ(reader.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);
    const Json history = reader.request("message.history", {{"channel", "c"}, {"limit", 500}}, 10s);
    for (const Json& message : history["messages"]) {
        EXPECT_LT(message["date_created"].get<std::int64_t>(), exp_ms) << "stored at or after exp";
    }
    RecordProperty("refused_at_exp", refused);
}

} // namespace
} // namespace parley::testing
