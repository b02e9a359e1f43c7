#include "ws_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <future>

namespace parley::testing {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::asio::ip::tcp;

// Every operation on the stream runs on one io thread (reads, queued writes, close), because a
// WebSocket stream is not thread-safe and answers pings and closes from inside its reads.

WsTestClient::WsTestClient(std::uint16_t port, const std::string& source_address) : ws_(io_) {
    auto& socket = beast::get_lowest_layer(ws_).socket();
    const tcp::endpoint server{boost::asio::ip::make_address("127.0.0.1"), port};
    socket.open(tcp::v4());
    if (!source_address.empty()) {
        socket.bind(tcp::endpoint{boost::asio::ip::make_address(source_address), 0});
    }
    socket.connect(server);
    ws_.read_message_max(std::size_t{2} << 20U); // a history reply holds up to 1 MiB of messages
    ws_.text(true);
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/v1/ws");
    readNext();
    io_thread_ = std::thread([this] { io_.run(); });
}

WsTestClient::~WsTestClient() {
    work_.reset();
    boost::asio::post(io_, [this] {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).socket().close(ignored);
    });
    io_thread_.join();
}

void WsTestClient::readNext() {
    ws_.async_read(buffer_, [this](beast::error_code error, std::size_t) {
        const std::lock_guard lock{mutex_};
        if (error) {
            if (error == websocket::error::closed) {
                close_code_ = ws_.reason().code;
            }
            ended_ = true;
            ended_unlocked_ = true;
            changed_.notify_all();
            return;
        }
        frames_.push_back(Json::parse(beast::buffers_to_string(buffer_.data()), nullptr, false));
        buffer_.consume(buffer_.size());
        last_arrival_ = std::chrono::steady_clock::now();
        changed_.notify_all();
        readNext();
    });
}

void WsTestClient::writeNext() {
    if (writes_.empty()) {
        writing_ = false;
        return;
    }
    writing_ = true;
    ws_.async_write(boost::asio::buffer(writes_.front().text),
                    [this](beast::error_code, std::size_t) {
                        writes_.front().done();
                        writes_.pop_front();
                        writeNext();
                    });
}

void WsTestClient::sendText(const std::string& text) {
    std::promise<void> sent;
    auto future = sent.get_future();
    boost::asio::post(io_, [this, text, &sent] {
        if (ended_unlocked_) {
            sent.set_value();
            return;
        }
        writes_.push_back({text, [&sent] { sent.set_value(); }});
        if (!writing_) {
            writeNext();
        }
    });
    // A write fails only when the connection is gone, which the test then sees as a close.
    if (future.wait_for(5s) != std::future_status::ready) {
        throw std::runtime_error("WsTestClient: write did not complete in 5 s");
    }
}

std::uint64_t WsTestClient::send(const std::string& op, Json args) {
    const std::uint64_t id = next_id_++;
    args["id"] = id;
    args["op"] = op;
    sendText(args.dump());
    return id;
}

Json WsTestClient::request(const std::string& op, Json args, std::chrono::milliseconds timeout) {
    const std::uint64_t id = send(op, std::move(args));
    auto reply = waitForReply(id, timeout);
    return reply ? *reply : Json{{"timeout", true}};
}

std::optional<Json> WsTestClient::waitFor(const std::function<bool(const Json&)>& match,
                                          std::chrono::milliseconds timeout) {
    std::unique_lock lock{mutex_};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        for (auto it = frames_.begin(); it != frames_.end(); ++it) {
            if (match(*it)) {
                Json found = std::move(*it);
                frames_.erase(it);
                return found;
            }
        }
        if (ended_ || std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        changed_.wait_until(lock, deadline);
    }
}

std::optional<Json> WsTestClient::waitForEvent(const std::string& name,
                                               std::chrono::milliseconds timeout) {
    return waitFor(
        [&name](const Json& frame) {
            return frame.is_object() && frame.value("event", "") == name;
        },
        timeout);
}

std::optional<Json> WsTestClient::waitForReply(std::uint64_t id,
                                               std::chrono::milliseconds timeout) {
    return waitFor(
        [id](const Json& frame) {
            return frame.is_object() && frame.contains("reply_to") &&
                   frame["reply_to"].is_number_unsigned() && frame["reply_to"] == id;
        },
        timeout);
}

bool WsTestClient::hasQueued(const std::function<bool(const Json&)>& match) {
    const std::lock_guard lock{mutex_};
    return std::any_of(frames_.begin(), frames_.end(), match);
}

std::optional<int> WsTestClient::waitForClose(std::chrono::milliseconds timeout) {
    std::unique_lock lock{mutex_};
    if (!changed_.wait_for(lock, timeout, [this] { return ended_; })) {
        return std::nullopt;
    }
    return close_code_;
}

bool WsTestClient::waitForEnd(std::chrono::milliseconds timeout) {
    std::unique_lock lock{mutex_};
    return changed_.wait_for(lock, timeout, [this] { return ended_; });
}

bool WsTestClient::closed() {
    const std::lock_guard lock{mutex_};
    return ended_;
}

std::chrono::steady_clock::time_point WsTestClient::lastArrival() {
    const std::lock_guard lock{mutex_};
    return last_arrival_;
}

void WsTestClient::closeNormally() {
    boost::asio::post(
        io_, [this] { ws_.async_close(websocket::close_code::normal, [](beast::error_code) {}); });
}

} // namespace parley::testing
