#include "client/request_table.hpp"
#include "protocol/codes.hpp"
#include "protocol/frame.hpp"
#include "protocol/names.hpp"
#include "protocol/replies.hpp"

#include <parley/token/error.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace parley::client {
namespace {

// A connection that keeps what is written to it.
class RecordingConnection final : public Connection {
public:
    void send(std::string text) override { frames.push_back(std::move(text)); }
    void close() override {}
    void abort() override {}
    std::vector<std::string> frames;
};

using Outcome = std::optional<std::expected<Json, Error>>;
const token::TimePoint kNow{std::chrono::milliseconds{1'800'000'000'000}};

ReplyHandler into(Outcome& outcome) {
    return [&outcome](std::expected<Json, Error> reply) { outcome = std::move(reply); };
}

// What the client's io path does with a frame: parse it, and hand a reply to its request.
bool receive(RequestTable& table, const std::string& text) {
    auto frame = protocol::parseServerFrame(text);
    EXPECT_TRUE(frame) << text;
    return frame && table.complete(std::get<protocol::Reply>(std::move(*frame)), kNow);
}

// Queues `request` in the app's lane (the connection's with `own`) and sends what may go.
template <typename R>
void send(RequestTable& table, Connection& connection, const R& request, ReplyHandler on_reply,
          bool own = false) {
    table.enqueue(R::kOp, protocol::encodeArgs(request), std::move(on_reply),
                  own ? RequestTable::Lane::kConnection : RequestTable::Lane::kApp);
    table.pump(connection, kNow, /*app_lane_open=*/true);
}

std::vector<std::uint64_t> idsOf(const std::vector<std::string>& frames) {
    std::vector<std::uint64_t> ids;
    for (const auto& frame : frames) {
        ids.push_back(protocol::parseRequest(frame)->id);
    }
    return ids;
}

TEST(RequestTable, EncodesEachRequestWithTheNextIdThroughTheProtocol) {
    RequestTable table{4};
    RecordingConnection connection;
    Outcome first;
    Outcome second;
    send(table, connection, protocol::ChannelJoinRequest{.channel = "general"}, into(first));
    send(table, connection, protocol::PingRequest{}, into(second));
    ASSERT_EQ(connection.frames.size(), 2U);
    EXPECT_EQ(connection.frames[0],
              protocol::encodeRequest(1, protocol::ChannelJoinRequest{.channel = "general"}));
    EXPECT_EQ(connection.frames[1], protocol::encodeRequest(2, protocol::PingRequest{}));
    EXPECT_EQ(table.inFlight(), 2U);
}

TEST(RequestTable, ASuccessfulReplyReachesItsRequestWholeWithItsServerTime) {
    RequestTable table{8};
    RecordingConnection connection;
    std::vector<Outcome> outcomes(7);
    for (auto& outcome : outcomes) {
        send(table, connection, protocol::PingRequest{}, into(outcome));
    }
    ASSERT_TRUE(receive(
        table,
        protocol::okReply(7, protocol::encodeReply(protocol::TokenReply{
                                 .identity = "alice", .expires_at = 100, .server_time = 1234}))));
    ASSERT_TRUE(outcomes[6] && *outcomes[6]);
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_FALSE(outcomes[i]) << "only request 7 is answered";
    }
    const auto token = tokenFromReply(outcomes[6]->value());
    ASSERT_TRUE(token);
    EXPECT_EQ(token->identity, "alice");
    EXPECT_EQ(token->expires_at, 100);
    EXPECT_EQ(token->server_time, 1234);
    EXPECT_FALSE(receive(table, protocol::okReply(7))) << "answered once";
}

TEST(RequestTable, AFailedReplyGivesTheServersCodeAndMessage) {
    RequestTable table{4};
    RecordingConnection connection;
    Outcome outcome;
    send(table, connection, protocol::InitRequest{.token = "t"}, into(outcome), /*own=*/true);
    const int expired = static_cast<int>(token::TokenError::kExpired);
    ASSERT_TRUE(receive(table, protocol::errorReply(1, expired, "expired")));
    ASSERT_TRUE(outcome && !*outcome);
    EXPECT_EQ(outcome->error().code, expired);
    EXPECT_EQ(outcome->error().message, "expired");
    EXPECT_TRUE(outcome->error().isTokenError());
}

TEST(RequestTable, AReplyToNoRequestIsIgnored) {
    RequestTable table{4};
    EXPECT_FALSE(receive(table, protocol::okReply(3)));
}

TEST(RequestTable, TheAppsLaneIsBoundedAndGoesOldestFirstAfterTheConnectionsOwn) {
    RequestTable table{2};
    Outcome first;
    Outcome second;
    Outcome third;
    Outcome own;
    table.enqueue(protocol::PingRequest::kOp, Json::object(), into(first),
                  RequestTable::Lane::kApp);
    table.enqueue(protocol::ChannelListRequest::kOp, Json::object(), into(second),
                  RequestTable::Lane::kApp);
    table.enqueue(protocol::PingRequest::kOp, Json::object(), into(third),
                  RequestTable::Lane::kApp);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->error().code, static_cast<int>(ClientErrorCode::kQueueFull));
    table.enqueue(protocol::InitRequest::kOp,
                  protocol::encodeArgs(protocol::InitRequest{.token = "t"}), into(own),
                  RequestTable::Lane::kConnection);
    EXPECT_FALSE(own) << "the connection's own lane is not the app's to fill";
    EXPECT_EQ(table.queued(), 3U);
    RecordingConnection connection;
    table.pump(connection, kNow, /*app_lane_open=*/false);
    ASSERT_EQ(connection.frames.size(), 1U) << "before init, only the connection's own";
    EXPECT_EQ(protocol::parseRequest(connection.frames[0])->op, protocol::op::kInit);
    table.pump(connection, kNow, /*app_lane_open=*/true);
    ASSERT_EQ(connection.frames.size(), 3U);
    EXPECT_EQ(protocol::parseRequest(connection.frames[1])->op, protocol::op::kPing);
    EXPECT_EQ(protocol::parseRequest(connection.frames[2])->op, protocol::op::kChannelList);
    EXPECT_EQ(table.queued(), 0U);
}

TEST(RequestTable, ALostConnectionFailsWhatWasSentAndTheConnectionsOwnAndKeepsTheApps) {
    RequestTable table{4};
    RecordingConnection first_connection;
    Outcome sent;
    Outcome waiting;
    Outcome own_waiting;
    send(table, first_connection, protocol::PingRequest{}, into(sent));
    table.enqueue(protocol::PingRequest::kOp, Json::object(), into(waiting),
                  RequestTable::Lane::kApp);
    table.enqueue(protocol::PingRequest::kOp, Json::object(), into(own_waiting),
                  RequestTable::Lane::kConnection);
    table.fail(ClientErrorCode::kConnectionLost, /*queued_too=*/false);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->error().code, static_cast<int>(ClientErrorCode::kConnectionLost));
    ASSERT_TRUE(own_waiting);
    EXPECT_EQ(own_waiting->error().code, static_cast<int>(ClientErrorCode::kConnectionLost));
    EXPECT_FALSE(waiting);
    RecordingConnection second_connection;
    table.pump(second_connection, kNow, /*app_lane_open=*/true);
    EXPECT_EQ(idsOf(second_connection.frames), (std::vector<std::uint64_t>{2}))
        << "ids keep counting across connections, so a late reply cannot be mistaken";
    table.fail(ClientErrorCode::kShutDown, /*queued_too=*/true);
    ASSERT_TRUE(waiting);
    EXPECT_EQ(waiting->error().code, static_cast<int>(ClientErrorCode::kShutDown));
}

TEST(RequestTable, AFrameOverTheProtocolsLimitIsRefusedWithoutBeingSent) {
    RequestTable table{4};
    RecordingConnection connection;
    Outcome message;
    send(table, connection,
         protocol::MessageSendRequest{.channel = "general",
                                      .body = std::string(protocol::kMaxFrameBytes, 'x')},
         into(message));
    ASSERT_TRUE(message && !*message);
    EXPECT_EQ(message->error().code, static_cast<int>(protocol::ErrorCode::kBodyTooLarge));
    Outcome join;
    send(table, connection,
         protocol::ChannelJoinRequest{.channel = std::string(protocol::kMaxFrameBytes, 'x')},
         into(join));
    ASSERT_TRUE(join && !*join);
    EXPECT_EQ(join->error().code, static_cast<int>(protocol::ErrorCode::kInvalidArgument));
    EXPECT_TRUE(connection.frames.empty());
}

} // namespace
} // namespace parley::client
