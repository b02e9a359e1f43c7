// What one connection may make the server hold: unsent output is bounded in bytes (a client that
// does not read is closed with 4413, whether it floods history requests or only receives a
// channel's messages), and a history reply holds at most 1 MiB of messages, paged on by index.

#include "protocol/codes.hpp"
#include "protocol/history_budget.hpp"
#include "server_process.hpp"
#include "wait_until.hpp"
#include "ws_test_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <set>
#include <thread>

namespace parley::testing {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::asio::ip::tcp;

constexpr std::size_t kBodyBytes = std::size_t{32} * 1024;
const std::string kOutbox = std::to_string(std::size_t{2} << 20U); // the smallest accepted

// A client that reads only when told to: its socket's receive buffer is small, so what the
// server sends stays in the server's memory, not in the kernel's.
class SilentClient {
public:
    explicit SilentClient(std::uint16_t port) : ws_(io_) {
        auto& socket = beast::get_lowest_layer(ws_).socket();
        socket.open(tcp::v4());
        socket.set_option(boost::asio::socket_base::receive_buffer_size(4096));
        socket.connect(tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
        ws_.read_message_max(std::size_t{64} << 20U);
        ws_.text(true);
        ws_.handshake("127.0.0.1:" + std::to_string(port), "/v1/ws");
    }
    void send(const Json& frame) { ws_.write(boost::asio::buffer(frame.dump())); }
    Json read() {
        beast::get_lowest_layer(ws_).expires_after(30s);
        beast::flat_buffer buffer;
        ws_.read(buffer);
        return Json::parse(beast::buffers_to_string(buffer.data()));
    }
    /// Reads until the reply to `id` (events may come first).
    Json readReply(std::uint64_t id) {
        for (;;) {
            Json frame = read();
            if (frame.value("reply_to", std::uint64_t{0}) == id) {
                return frame;
            }
        }
    }
    /// Reads everything up to the end of the connection: the frames, and the close code.
    std::pair<std::size_t, std::optional<int>> drain() {
        std::size_t frames = 0;
        for (;;) {
            try {
                read();
                ++frames;
            } catch (const beast::system_error& error) {
                if (error.code() == websocket::error::closed) {
                    return {frames, ws_.reason().code};
                }
                return {frames, std::nullopt};
            }
        }
    }

private:
    boost::asio::io_context io_;
    websocket::stream<beast::tcp_stream> ws_;
};

// Whether the server logs `line` within 30 s.
bool serverLogged(const ServerProcess& server, const std::string& line) {
    return waitUntil([&] { return server.output().find(line) != std::string::npos; }, 30s);
}

class OutboxTest : public ::testing::Test {
protected:
    ServerProcess server_{
        {"--rate-limit", "100000", "--rate-burst", "100000", "--max-outbox-bytes", kOutbox}};
    WsTestClient writer_{server_.port()};

    void SetUp() override {
        ASSERT_EQ(writer_.request("init", {{"token", mintToken("writer", 600s)}})["ok"], true);
        ASSERT_EQ(writer_.request("channel.create", {{"unique_name", "big"}})["ok"], true);
    }
    // `count` messages of 32 KiB, a few in flight; returns when the last is stored. The writer
    // reads its replies (and with them its own echoes) as it goes: a writer that did not would
    // itself pass the outbox bound and be closed with 4413, as it should.
    void sendLarge(int count) {
        constexpr std::size_t kInFlight = 8;
        std::deque<std::uint64_t> in_flight;
        for (int i = 0; i < count; ++i) {
            const auto letter = static_cast<char>('a' + i % 26);
            in_flight.push_back(writer_.send(
                "message.send", {{"channel", "big"}, {"body", std::string(kBodyBytes, letter)}}));
            const std::size_t keep = i + 1 == count ? 0 : kInFlight;
            while (in_flight.size() > keep) {
                const auto reply = writer_.waitForReply(in_flight.front(), 60s);
                in_flight.pop_front();
                ASSERT_TRUE(reply.has_value());
                ASSERT_EQ((*reply)["ok"], true) << reply->dump().substr(0, 200);
            }
        }
    }
    std::unique_ptr<SilentClient> silent(const std::string& identity) {
        auto client = std::make_unique<SilentClient>(server_.port());
        client->send({{"id", 1}, {"op", "init"}, {"token", mintToken(identity, 600s)}});
        EXPECT_EQ(client->readReply(1)["ok"], true);
        return client;
    }
};

TEST_F(OutboxTest, AClientThatNeverReadsItsHistoryRepliesIsClosedWith4413) {
    sendLarge(64);
    const auto reader = silent("reader");
    constexpr int kRequests = 60; // 60 MiB of replies, were they all kept
    for (int id = 2; id < 2 + kRequests; ++id) {
        reader->send({{"id", id}, {"op", "message.history"}, {"channel", "big"}, {"limit", 500}});
    }
    ASSERT_TRUE(serverLogged(server_, "identity=reader reads too slowly"));
    const auto [frames, code] = reader->drain();
    EXPECT_EQ(code, static_cast<int>(protocol::CloseCode::kTooSlow));
    EXPECT_LT(frames, std::size_t{kRequests}) << "the queued replies were dropped, not kept";
    EXPECT_EQ(writer_.request("ping")["ok"], true) << "the server serves on";
}

TEST_F(OutboxTest, AMemberThatNeverReadsIsClosedWith4413AsMessagesFanOut) {
    const auto member = silent("member");
    member->send({{"id", 2}, {"op", "channel.join"}, {"channel", "big"}});
    ASSERT_EQ(member->readReply(2)["ok"], true);
    sendLarge(400); // 12.5 MiB fanned out to a member that does not read
    ASSERT_TRUE(serverLogged(server_, "identity=member reads too slowly"));
    const auto [frames, code] = member->drain();
    EXPECT_EQ(code, static_cast<int>(protocol::CloseCode::kTooSlow));
    EXPECT_LT(frames, std::size_t{400});
}

TEST_F(OutboxTest, HistoryHoldsAtMost1MiBOfMessagesAndPagingByIndexGetsThemAll) {
    sendLarge(500);
    WsTestClient reader{server_.port()};
    ASSERT_EQ(reader.request("init", {{"token", mintToken("reader", 600s)}})["ok"], true);
    std::set<std::int64_t> seen;
    std::optional<std::int64_t> before;
    int pages = 0;
    while (seen.size() < 500 && pages++ < 100) {
        Json args{{"channel", "big"}, {"limit", 500}};
        if (before) {
            args["before"] = *before;
        }
        const Json reply = reader.request("message.history", args, 30s);
        ASSERT_EQ(reply.value("ok", false), true) << reply.dump().substr(0, 200);
        const Json& messages = reply["messages"];
        ASSERT_FALSE(messages.empty());
        EXPECT_LE(messages.dump().size(), protocol::kMaxHistoryBytes);
        EXPECT_LT(messages.size(), 500U);
        std::int64_t previous = -1;
        for (const Json& message : messages) {
            EXPECT_GT(message["index"].get<std::int64_t>(), previous) << "oldest first";
            previous = message["index"];
            EXPECT_TRUE(seen.insert(previous).second) << "index " << previous << " twice";
        }
        if (!before) {
            EXPECT_EQ(previous, 499) << "the first page is the newest";
        }
        before = messages.front()["index"].get<std::int64_t>();
    }
    EXPECT_EQ(seen.size(), 500U);
    EXPECT_EQ(*seen.begin(), 0);
    EXPECT_EQ(*seen.rbegin(), 499);
}

// A sender that pipelines message.send gets two frames per message, its reply and its own echo.
// It reads them as they come, so it is never closed as a slow reader, however many it sends (the
// outbox writes everything queued at once, not one frame per pass of the io loop).
TEST_F(OutboxTest, ASenderThatPipelinesAndReadsAsItGoesIsNeverClosed) {
    constexpr int kMessages = 6000;
    constexpr std::size_t kInFlight = 512;
    std::deque<std::uint64_t> in_flight;
    for (int i = 0; i < kMessages; ++i) {
        in_flight.push_back(
            writer_.send("message.send", {{"channel", "big"}, {"body", "m" + std::to_string(i)}}));
        const std::size_t keep = i + 1 == kMessages ? 0 : kInFlight;
        while (in_flight.size() > keep) {
            const auto reply = writer_.waitForReply(in_flight.front(), 60s);
            in_flight.pop_front();
            ASSERT_TRUE(reply.has_value()) << "message " << i;
            ASSERT_EQ((*reply)["ok"], true) << reply->dump().substr(0, 200);
        }
    }
    for (int i = 0; i < kMessages; ++i) { // every echo, in order
        const auto echo = writer_.waitForEvent("message", 30s);
        ASSERT_TRUE(echo.has_value()) << "echo " << i;
        ASSERT_EQ((*echo)["message"]["body"], "m" + std::to_string(i));
    }
    EXPECT_FALSE(writer_.closed());
    EXPECT_EQ(writer_.request("ping")["ok"], true);
}

} // namespace
} // namespace parley::testing
