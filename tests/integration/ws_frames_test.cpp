// The server's own WebSocket layer over real sockets: pings and pongs, the closing handshake,
// bad frames and their close codes, fragments, pipelined frames and sends, refused upgrades and
// the keep-alive. A raw TCP client sends the bytes a WebSocket library never would, and sees every
// frame the server sends.

#include "protocol/codes.hpp"
#include "raw_ws_client.hpp"
#include "server_process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace parley::testing {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

std::string request(std::uint64_t id, const std::string& op, Json args = Json::object()) {
    args["id"] = id;
    args["op"] = op;
    return args.dump();
}

std::string initRequest(std::uint64_t id) {
    return request(id, "init", {{"token", mintToken("alice", 600s)}});
}

/// The reply_to of a text frame, or -1 for anything else (a ping, a close, an event).
std::int64_t replyTo(const std::optional<ServerFrame>& frame) {
    if (!frame || frame->opcode != WsOpcode::kText) {
        return -1;
    }
    const Json json = Json::parse(frame->payload, nullptr, false);
    return json.contains("reply_to") && json["reply_to"].is_number()
               ? json["reply_to"].get<std::int64_t>()
               : -1;
}

/// Upgrades `client` and takes it past init.
void upgradeAndInit(RawWsClient& client) {
    client.upgrade();
    client.sendText(initRequest(1));
    ASSERT_EQ(replyTo(client.readFrame()), 1);
}

class WsFramesTest : public ::testing::Test {
protected:
    ServerProcess server_;
    RawWsClient client_{server_.port()};

    /// Sends `frame`, expects a close frame with `code` back, then the end of the connection.
    ServerFrame expectClosedWith(const std::string& frame, std::uint16_t code) {
        client_.sendRaw(frame);
        const auto close = client_.readFrame();
        EXPECT_TRUE(close && close->opcode == WsOpcode::kClose) << "no close frame";
        EXPECT_EQ(close ? close->closeCode() : 0, code);
        EXPECT_TRUE(client_.waitForEnd()) << "the server kept the connection open";
        EXPECT_EQ(client_.unreadBytes(), 0U) << "bytes after the close frame";
        return close.value_or(ServerFrame{});
    }
};

TEST_F(WsFramesTest, AnswersAPingWithItsPayloadBeforeAndAfterInit) {
    client_.upgrade();
    client_.send(WsOpcode::kPing, "before init");
    auto pong = client_.readFrame();
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->opcode, WsOpcode::kPong);
    EXPECT_EQ(pong->payload, "before init");

    client_.sendText(initRequest(1));
    ASSERT_EQ(replyTo(client_.readFrame()), 1);
    client_.send(WsOpcode::kPing, std::string(125, 'p')); // the most a control frame carries
    pong = client_.readFrame();
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->opcode, WsOpcode::kPong);
    EXPECT_EQ(pong->payload, std::string(125, 'p'));
}

TEST_F(WsFramesTest, EchoesAClientsCloseCodeWithoutReasonThenEndsTheConnection) {
    upgradeAndInit(client_);
    const ServerFrame close =
        expectClosedWith(clientFrame(WsOpcode::kClose, closePayload(4000, "done here")), 4000);
    EXPECT_EQ(close.payload.size(), 2U) << "the reason is not echoed";
}

TEST_F(WsFramesTest, AnswersACloseWithoutCodeWith1000) {
    upgradeAndInit(client_);
    expectClosedWith(clientFrame(WsOpcode::kClose, ""), 1000);
}

TEST_F(WsFramesTest, ClosesAnUnmaskedFrameWith1002AndAReason) {
    upgradeAndInit(client_);
    const ServerFrame close =
        expectClosedWith(unmaskedClientFrame(WsOpcode::kText, request(2, "ping")), 1002);
    EXPECT_FALSE(close.closeReason().empty());
}

TEST_F(WsFramesTest, ClosesInvalidUtf8In1007) {
    upgradeAndInit(client_);
    const ServerFrame close =
        expectClosedWith(clientFrame(WsOpcode::kText, R"({"id":2,"op":"ping","x":")" +
                                                          std::string{"\xff\xfe"} + "\"}"),
                         1007);
    EXPECT_FALSE(close.closeReason().empty());
}

TEST_F(WsFramesTest, JoinsAFragmentedMessageAndAnswersAPingBetweenItsFragments) {
    upgradeAndInit(client_);
    const std::string ping = request(2, "ping");
    client_.sendRaw(clientFrame(WsOpcode::kText, ping.substr(0, 4), false));
    client_.send(WsOpcode::kPing, "between");
    client_.sendRaw(clientFrame(WsOpcode::kContinuation, ping.substr(4, 6), false));
    client_.sendRaw(clientFrame(WsOpcode::kContinuation, ping.substr(10), true));
    const auto pong = client_.readFrame();
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->opcode, WsOpcode::kPong);
    EXPECT_EQ(pong->payload, "between");
    EXPECT_EQ(replyTo(client_.readFrame()), 2) << "the three fragments were not one op";
}

TEST_F(WsFramesTest, AnswersSeveralFramesSentInOneWriteInOrder) {
    client_.upgrade();
    std::string burst = clientFrame(WsOpcode::kText, initRequest(1));
    for (std::uint64_t id = 2; id <= 4; ++id) {
        burst += clientFrame(WsOpcode::kText, request(id, "ping"));
    }
    client_.sendRaw(burst);
    for (std::int64_t id = 1; id <= 4; ++id) {
        EXPECT_EQ(replyTo(client_.readFrame()), id);
    }
}

// message.sends are read ahead of their replies (up to 32 in flight), yet every reply keeps its
// request's place, another op waits for the sends before it, and the messages are indexed in the
// order they were sent.
TEST_F(WsFramesTest, AnswersPipelinedSendsInOrderAndIndexesThemInThatOrder) {
    upgradeAndInit(client_);
    client_.sendText(request(2, "channel.create", {{"unique_name", "general"}}));
    // The creator's member_joined may come before or after the reply (docs/protocol.md).
    std::int64_t created = replyTo(client_.readFrame());
    if (created == -1) {
        created = replyTo(client_.readFrame());
    }
    ASSERT_EQ(created, 2);
    constexpr std::uint64_t kPing = 30;
    constexpr std::uint64_t kNowhere = 40;
    constexpr std::uint64_t kLast = 80; // more sends than are read ahead
    std::string burst;
    for (std::uint64_t id = 3; id <= kLast; ++id) {
        const std::string channel = id == kNowhere ? "nowhere" : "general";
        burst += clientFrame(
            WsOpcode::kText,
            id == kPing ? request(id, "ping")
                        : request(id, "message.send", {{"channel", channel}, {"body", "hi"}}));
    }
    client_.sendRaw(burst);
    std::uint64_t expected = 3;
    std::int64_t next_index = 0;
    while (expected <= kLast) {
        const auto frame = client_.readFrame();
        ASSERT_TRUE(frame && frame->opcode == WsOpcode::kText) << "waiting for " << expected;
        const Json json = Json::parse(frame->payload);
        if (!json.contains("reply_to")) {
            continue; // the message events of the channel, which alice is a member of
        }
        ASSERT_EQ(json["reply_to"], expected) << json.dump();
        if (expected == kNowhere) {
            EXPECT_EQ(json["ok"], false);
        } else if (expected == kPing) {
            EXPECT_TRUE(json.contains("server_time")) << json.dump();
        } else {
            EXPECT_EQ(json["message"]["index"], next_index++) << "indexed out of order";
        }
        ++expected;
    }
}

TEST_F(WsFramesTest, RefusesAnUpgradeWithoutAValidKeyWith400) {
    for (const std::string_view key : {std::string_view{}, std::string_view{"c2hvcnQ="}}) {
        RawWsClient client{server_.port()};
        client.sendRaw(upgradeRequest(key));
        const auto head = client.readHttpHead();
        ASSERT_TRUE(head.has_value()) << "key \"" << key << "\"";
        EXPECT_TRUE(head->starts_with("HTTP/1.1 400")) << *head;
    }
}

TEST_F(WsFramesTest, RefusesWebSocketVersion12With426NamingVersion13) {
    client_.sendRaw(upgradeRequest("dGhlIHNhbXBsZSBub25jZQ==", "12"));
    const auto head = client_.readHttpHead();
    ASSERT_TRUE(head.has_value());
    EXPECT_TRUE(head->starts_with("HTTP/1.1 426")) << *head;
    EXPECT_NE(head->find("Sec-WebSocket-Version: 13\r\n"), std::string::npos) << *head;
}

// ---- keep-alive, with --keep-alive 1 ----

class WsKeepAliveTest : public ::testing::Test {
protected:
    ServerProcess server_{{"--keep-alive", "1"}};
};

TEST_F(WsKeepAliveTest, PingsAConnectionThatSendsNothing) {
    RawWsClient client{server_.port()};
    client.upgrade();
    const auto ping = client.readFrame(5s);
    ASSERT_TRUE(ping.has_value()) << "no ping within 5 s";
    EXPECT_EQ(ping->opcode, WsOpcode::kPing);
}

// With --keep-alive 3: long enough that the margins below hold on a loaded machine (ASan, ctest
// -j).
class WsKeepAliveTimingTest : public ::testing::Test {
protected:
    ServerProcess server_{{"--keep-alive", "3"}};
};

// Silence counts from the last bytes heard: after a pong the next ping comes one keep-alive (3 s)
// later, not at a fixed-period check two keep-alives (6 s) later, past a proxy's idle timeout.
TEST_F(WsKeepAliveTimingTest, PingsAgainOneKeepAliveAfterThePong) {
    RawWsClient client{server_.port()};
    upgradeAndInit(client);
    const auto first = client.readFrame(10s);
    ASSERT_TRUE(first && first->opcode == WsOpcode::kPing);
    client.send(WsOpcode::kPong, first->payload);
    const auto answered = std::chrono::steady_clock::now();
    const auto second = client.readFrame(10s);
    const auto interval = std::chrono::steady_clock::now() - answered;
    ASSERT_TRUE(second && second->opcode == WsOpcode::kPing);
    EXPECT_GE(interval, 2900ms); // the server's clock counts in whole milliseconds
    EXPECT_LT(interval, 5s);     // the fixed-period check gave 6 s
}

TEST_F(WsKeepAliveTest, DropsAConnectionThatNeverAnswersItsPings) {
    RawWsClient client{server_.port()};
    upgradeAndInit(client); // so that only the keep-alive can end it
    EXPECT_TRUE(client.waitForEnd(10s)) << "still open after 10 s of silence";
    const auto ping = client.readFrame(0ms); // what came before the end
    ASSERT_TRUE(ping.has_value()) << "dropped without a ping first";
    EXPECT_EQ(ping->opcode, WsOpcode::kPing);
}

// The closing handshake's timeout is the keep-alive when that is shorter than 30 s: a peer that
// takes the close frame and never answers it loses the socket (the keep-alive no longer watches a
// closing connection, so without the timeout it would stay open).
TEST_F(WsKeepAliveTest, DropsAConnectionThatNeverAnswersTheCloseFrame) {
    RawWsClient client{server_.port()};
    upgradeAndInit(client);
    for (int i = 0; i < 5; ++i) {
        client.sendText("not json"); // the fifth protocol error closes the connection with 4400
    }
    std::optional<ServerFrame> close;
    while (auto frame = client.readFrame(5s)) {
        if (frame->opcode == WsOpcode::kClose) {
            close = frame;
            break;
        }
    }
    ASSERT_TRUE(close.has_value()) << "no close frame";
    EXPECT_EQ(close->closeCode(), static_cast<int>(protocol::CloseCode::kProtocolError));
    EXPECT_TRUE(client.waitForEnd(10s)) << "the unanswered close kept the socket open";
}

TEST_F(WsKeepAliveTest, KeepsAConnectionThatAnswersItsPings) {
    RawWsClient client{server_.port()};
    upgradeAndInit(client);
    // Without the pongs the connection would be dropped within 3 s (the second check after the
    // ping); 4 s of answered pings must leave it open.
    const auto until = std::chrono::steady_clock::now() + 4s;
    int pings = 0;
    while (std::chrono::steady_clock::now() < until) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (auto frame = client.readFrame(left); frame && frame->opcode == WsOpcode::kPing) {
            ++pings;
            client.send(WsOpcode::kPong, frame->payload);
        }
        ASSERT_FALSE(client.ended()) << "dropped after " << pings << " answered pings";
    }
    EXPECT_GE(pings, 1);
    client.sendText(request(2, "ping"));
    EXPECT_EQ(replyTo(client.readNonPing()), 2);
}

} // namespace
} // namespace parley::testing
