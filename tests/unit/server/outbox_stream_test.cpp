// OutboxStream over a real loopback socket: the server side is the outbox on the accepted socket,
// as in WsSession (the upgrade answered with answerUpgrade); the client is a Beast WebSocket
// stream that checks every frame.

#include "server/outbox_stream.hpp"
#include "server/ws_control_frame.hpp"
#include "server/ws_handshake.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>

namespace {

using parley::server::OutboxStream;
using parley::server::Payload;
using parley::server::WsStream;
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto kDeadline = std::chrono::seconds(20);

class OutboxStreamTest : public ::testing::Test, private OutboxStream::Listener {
protected:
    /// Runs `task` on the server's io thread and waits for it.
    template <typename Task> auto onServer(Task task) {
        std::packaged_task<decltype(task())()> packaged{std::move(task)};
        auto result = packaged.get_future();
        asio::post(io_, [&packaged] { packaged(); });
        EXPECT_EQ(result.wait_for(kDeadline), std::future_status::ready);
        return result.get();
    }

    void SetUp() override {
        tcp::acceptor acceptor{io_, {asio::ip::make_address("127.0.0.1"), 0}};
        tcp::socket client_socket{client_io_};
        client_socket.connect(acceptor.local_endpoint());
        server_.emplace(WsStream{acceptor.accept()});
        server_->attach(owner_, *this);
        boost::beast::http::async_read(server_->next(), server_buffer_, upgrade_,
                                       [this](boost::system::error_code, std::size_t) {
                                           server_->queueRaw(
                                               parley::server::answerUpgrade(upgrade_).response);
                                       });
        io_thread_ = std::jthread{[this] { io_.run(); }};
        client_.emplace(std::move(client_socket));
        client_->handshake("127.0.0.1", "/");
    }

    void TearDown() override {
        onServer([this] {
            boost::system::error_code ignored;
            server_->next().socket().close(ignored);
        });
        work_.reset();
        io_thread_.join();
        server_.reset();
    }

    OutboxStream& outbox() { return *server_; }

    static Payload text(std::string value) {
        return std::make_shared<const std::string>(std::move(value));
    }

    std::string readText() {
        boost::beast::flat_buffer buffer;
        client_->read(buffer);
        return boost::beast::buffers_to_string(buffer.data());
    }

    // In the order they must be built: the contexts outlive the streams on them.
    asio::io_context io_;
    asio::io_context client_io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
        io_.get_executor()};
    std::shared_ptr<int> owner_ = std::make_shared<int>(0);
    std::optional<OutboxStream> server_;
    std::optional<websocket::stream<tcp::socket>> client_;
    boost::beast::flat_buffer server_buffer_;
    boost::beast::http::request<boost::beast::http::string_body> upgrade_;
    std::promise<boost::system::error_code> failed_;
    std::jthread io_thread_;

private:
    void onOutboxDrained() override {}
    void onOutboxFailed(boost::system::error_code error) override { failed_.set_value(error); }
};

TEST_F(OutboxStreamTest, FramesQueuedInOnePassGoOutInOneWrite) {
    const std::size_t before = onServer([this] { return outbox().writesStarted(); });
    onServer([this] {
        for (int i = 0; i < 100; ++i) {
            outbox().queueText(text("message " + std::to_string(i)));
        }
    });
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(readText(), "message " + std::to_string(i));
    }
    EXPECT_EQ(onServer([this] { return outbox().writesStarted(); }) - before, 1U);
    EXPECT_EQ(onServer([this] { return outbox().queuedBytes(); }), 0U);
}

TEST_F(OutboxStreamTest, LargeAndSmallFramesOfManyWritesArriveWholeAndInOrder) {
    const auto body = [](int i) {
        const std::size_t size = i % 3 == 0 ? 40000 : i % 3 == 1 ? 300 : 70000; // every header size
        return std::string(size, static_cast<char>('a' + i % 26));
    };
    onServer([&] {
        for (int i = 0; i < 60; ++i) {
            outbox().queueText(text(body(i)));
        }
    });
    for (int i = 0; i < 60; ++i) {
        ASSERT_EQ(readText(), body(i)) << "message " << i;
    }
    EXPECT_GT(onServer([this] { return outbox().writesStarted(); }), 2U); // past kWriteBytes
}

TEST_F(OutboxStreamTest, RawControlFramesNeverLandInsideAMessage) {
    int pings = 0;
    client_->control_callback([&pings](websocket::frame_type kind, boost::beast::string_view) {
        pings += kind == websocket::frame_type::ping ? 1 : 0;
    });
    const std::string big(30000, 'x');
    onServer([&] {
        for (int i = 0; i < 200; ++i) {
            outbox().queueText(text(big));
            if (i % 10 == 0) {
                outbox().queueRaw(parley::server::pingFrame("p"));
            }
        }
    });
    std::promise<void> written;
    for (int i = 0; i < 10; ++i) { // queued while the first writes are in flight
        onServer([&, i] {
            outbox().queueRaw(parley::server::pingFrame("q"),
                              [&written, i](boost::system::error_code) {
                                  if (i == 9) {
                                      written.set_value();
                                  }
                              });
            outbox().queueText(text(big));
        });
    }
    for (int i = 0; i < 210; ++i) {
        ASSERT_EQ(readText(), big) << "message " << i;
    }
    EXPECT_EQ(pings, 30);
    EXPECT_EQ(written.get_future().wait_for(kDeadline), std::future_status::ready);
}

TEST_F(OutboxStreamTest, AWriteThePeerResetsIsReportedAndDropsTheQueue) {
    onServer([this] {
        const auto block = text(std::string(65536, 'y'));
        for (int i = 0; i < 400; ++i) { // 25 MiB: more than both sockets' buffers hold
            outbox().queueText(block);
        }
    });
    auto& socket = client_->next_layer();
    socket.set_option(tcp::socket::linger{true, 0}); // close sends a reset
    socket.close();
    auto failed = failed_.get_future();
    ASSERT_EQ(failed.wait_for(kDeadline), std::future_status::ready);
    EXPECT_TRUE(failed.get());
    EXPECT_EQ(onServer([this] { return outbox().queuedBytes(); }), 0U);
    EXPECT_TRUE(onServer([this] { return outbox().idle(); }));
}

} // namespace
