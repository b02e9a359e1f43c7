#pragma once

// A small synchronous WebSocket client for integration tests: connects to a real server over
// loopback, sends protocol frames, and waits for replies, events and the close code with a
// deadline (never a sleep). A background thread reads frames into a queue.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace parley::testing {

using Json = nlohmann::json;
using namespace std::chrono_literals;

class WsTestClient {
public:
    /// Connects to ws://127.0.0.1:port/v1/ws; throws on failure.
    explicit WsTestClient(std::uint16_t port, const std::string& source_address = "");
    ~WsTestClient();
    WsTestClient(const WsTestClient&) = delete;
    WsTestClient& operator=(const WsTestClient&) = delete;

    /// Sends raw text as one frame.
    void sendText(const std::string& text);
    /// Sends {"id": next, "op": op, ...args}; returns the id.
    std::uint64_t send(const std::string& op, Json args = Json::object());
    /// Sends and waits for the reply to it (other frames stay queued).
    Json request(const std::string& op, Json args = Json::object(),
                 std::chrono::milliseconds timeout = 5s);

    /// The next received frame matching `match`, removed from the queue; nullopt on timeout.
    std::optional<Json> waitFor(const std::function<bool(const Json&)>& match,
                                std::chrono::milliseconds timeout = 5s);
    std::optional<Json> waitForEvent(const std::string& name,
                                     std::chrono::milliseconds timeout = 5s);
    std::optional<Json> waitForReply(std::uint64_t id, std::chrono::milliseconds timeout = 5s);
    /// Whether a frame matching `match` is queued now (no waiting).
    bool hasQueued(const std::function<bool(const Json&)>& match);

    /// The close code the server sent, once the connection has ended; nullopt on timeout or if it
    /// ended without a close frame.
    std::optional<int> waitForClose(std::chrono::milliseconds timeout = 5s);
    bool closed();
    /// Waits until the connection has ended, however it ended.
    bool waitForEnd(std::chrono::milliseconds timeout = 5s);
    /// When each queued frame arrived (steady clock), for lateness measurements.
    std::chrono::steady_clock::time_point lastArrival();

    void closeNormally();

private:
    struct PendingWrite {
        std::string text;
        std::function<void()> done;
    };
    void readNext();
    void writeNext();

    boost::asio::io_context io_;
    // Keeps the io thread running after the connection ends, so late sends fail fast instead of
    // never being run.
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
        io_.get_executor()};
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<PendingWrite> writes_; // io thread only
    bool writing_ = false;            // io thread only
    bool ended_unlocked_ = false;     // io thread only: the read loop has ended
    std::thread io_thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Json> frames_;
    bool ended_ = false;
    std::optional<int> close_code_;
    std::uint64_t next_id_ = 1;
    std::chrono::steady_clock::time_point last_arrival_{};
};

} // namespace parley::testing
