// OutboxStream over a real loopback socket: the server side is a Beast WebSocket stream on the
// outbox, as in WsSession; the client is a plain Beast WebSocket stream that checks every frame.

#include "server/outbox_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
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
        server_->next_layer().attach(owner_, *this);
        server_->text(true);
        server_->async_accept([](boost::system::error_code) {});
        io_thread_ = std::jthread{[this] { io_.run(); }};
        client_.emplace(std::move(client_socket));
        client_->handshake("127.0.0.1", "/");
    }

    void TearDown() override {
        onServer([this] {
            boost::system::error_code ignored;
            server_->next_layer().next().socket().close(ignored);
        });
        work_.reset();
        io_thread_.join();
        server_.reset();
    }

    OutboxStream& outbox() { return server_->next_layer(); }

    static Payload text(std::string value) {
        return std::make_shared<const std::string>(std::move(value));
    }

    std::string readText() {
        boost::beast::flat_buffer buffer;
        client_->read(buffer);
        return boost::beast::buffers_to_string(buffer.data());
    }

    // The server reads (so Beast answers the client's pings) and calls `on_text` per message.
    void serverReads(std::function<void(const std::string&)> on_text) {
        server_->async_read(server_buffer_,
                            [this, on_text](boost::system::error_code error, std::size_t) {
                                if (error) {
                                    return;
                                }
                                on_text(boost::beast::buffers_to_string(server_buffer_.data()));
                                server_buffer_.consume(server_buffer_.size());
                                serverReads(on_text);
                            });
    }

    // In the order they must be built: the contexts outlive the streams on them.
    asio::io_context io_;
    asio::io_context client_io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
        io_.get_executor()};
    std::shared_ptr<int> owner_ = std::make_shared<int>(0);
    std::optional<websocket::stream<OutboxStream>> server_;
    std::optional<websocket::stream<tcp::socket>> client_;
    boost::beast::flat_buffer server_buffer_;
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

TEST_F(OutboxStreamTest, BeastsControlFramesNeverLandInsideAMessage) {
    int pongs = 0;
    client_->control_callback([&pongs](websocket::frame_type kind, boost::beast::string_view) {
        pongs += kind == websocket::frame_type::pong ? 1 : 0;
    });
    const std::string big(30000, 'x');
    onServer([&] {
        serverReads([this](const std::string& received) {
            if (received == "done") {
                outbox().queueText(text("last"));
            }
        });
        for (int i = 0; i < 200; ++i) {
            outbox().queueText(text(big));
        }
    });
    for (int i = 0; i < 20; ++i) {
        client_->ping({}); // each answered by Beast on the server, while the messages are queued
    }
    client_->write(asio::buffer(std::string{"done"}));
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(readText(), big) << "message " << i;
    }
    EXPECT_EQ(readText(), "last");
    EXPECT_EQ(pongs, 20);
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
