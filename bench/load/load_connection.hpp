#pragma once

// One client WebSocket connection of the load program: it connects from a chosen loopback source
// address, sends `init`, later `update_token`, and records when each reply and each lifecycle event
// arrived.
//
// Threading: every member function runs on the io_context the connection was made with (the phase
// driver posts `sendUpdateToken` there). Each step writes its Record fields first and then bumps
// one of the shared LoadCounters, so a driver that has seen a counter reach its target (acquire)
// may read the matching fields of every Record.

#include "stamped_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace parley::load {

/// Where the server listens; the host is always a 127.0.0.0/8 address.
struct ServerAddress {
    boost::asio::ip::address_v4 host;
    std::uint16_t port = 0;
    std::string target = "/v1/ws";
};

/// Progress of all connections, shared by the io threads and the phase driver.
struct LoadCounters {
    std::atomic<std::size_t> init_ok{0};
    std::atomic<std::size_t> init_failed{0};
    std::atomic<std::size_t> renew_ok{0};
    std::atomic<std::size_t> renew_failed{0};
    std::atomic<std::size_t> about_to_expire{0};
    std::atomic<std::size_t> expired{0};
    /// Connections that have ended, by close code 4410 or by anything else.
    std::atomic<std::size_t> closed_token_expired{0};
    std::atomic<std::size_t> ended_other{0};
    /// Frames that are neither a known reply nor a lifecycle event.
    std::atomic<std::size_t> unexpected_frames{0};
};

/// What one connection saw. Steady times for request/reply latencies; wall times for events, which
/// are compared with `exp`: the kernel's receive stamp (arrival) and the client's system_clock when
/// its thread read the frame (read).
struct ConnectionRecord {
    using Steady = std::chrono::steady_clock::time_point;
    using Wall = std::chrono::system_clock::time_point;

    Steady connect_started{};
    Steady init_replied{};
    bool init_ok = false;
    std::int64_t init_expires_at = 0;

    Steady renew_sent{};
    Steady renew_replied{};
    bool renew_ok = false;
    /// `expires_at` of the update_token reply (unix seconds).
    std::int64_t renew_expires_at = 0;
    /// The error code of a refused init or update_token.
    std::int64_t error_code = 0;

    /// First token_about_to_expire after the renewal, and how many arrived in all.
    Wall about_arrival{};
    Wall about_read{};
    std::int64_t about_server_ms = 0;
    std::int64_t about_expires_at = 0;
    int about_count = 0;
    /// token_about_to_expire frames that arrived before the renewal reply (for the init token).
    int about_before_renew = 0;

    Wall expired_arrival{};
    Wall expired_read{};
    std::int64_t expired_server_ms = 0;
    int expired_count = 0;

    /// The WebSocket close code, -1 when the connection ended without a close frame.
    int close_code = 0;
    bool ended = false;
    /// The first transport or protocol error, for the report.
    std::string error;
};

class LoadConnection {
public:
    /// `on_init_done` runs once, on the io thread, when init succeeded or failed in any way.
    LoadConnection(boost::asio::io_context& io, const ServerAddress& server,
                   boost::asio::ip::address_v4 source, std::string init_token,
                   LoadCounters& counters, std::function<void()> on_init_done);
    LoadConnection(const LoadConnection&) = delete;
    LoadConnection& operator=(const LoadConnection&) = delete;

    /// Binds the source address, connects, handshakes, sends init and keeps reading.
    void start();
    /// Sends update_token; only after init succeeded and before any other write is in flight.
    void sendUpdateToken(const std::string& token);
    /// Closes the socket at once (end of run); pending operations complete with errors.
    void abort();

    const ConnectionRecord& record() const { return record_; }
    boost::asio::io_context& context() const { return io_; }

private:
    static constexpr std::uint64_t kInitId = 1;
    static constexpr std::uint64_t kRenewId = 2;

    void onConnect(boost::system::error_code error);
    void onHandshake(boost::system::error_code error);
    void write(std::string frame);
    void readNext();
    void onRead(boost::system::error_code error);
    /// When a frame reached the client (kernel stamp) and when this program read it.
    struct Arrival {
        ConnectionRecord::Wall stamped;
        ConnectionRecord::Wall read;
        ConnectionRecord::Steady steady;
    };
    void handleFrame(const std::string& text, const Arrival& arrival);
    void onEnded(boost::system::error_code error);
    void finishInit(bool ok);
    void noteError(const char* where, boost::system::error_code error);

    boost::asio::io_context& io_;
    const ServerAddress& server_;
    boost::asio::ip::address_v4 source_;
    boost::beast::websocket::stream<StampedSocket> ws_;
    boost::beast::flat_buffer buffer_;
    std::string pending_token_;
    std::string out_;
    LoadCounters& counters_;
    std::function<void()> on_init_done_;
    bool init_done_ = false;
    bool aborted_ = false;
    ConnectionRecord record_;
};

} // namespace parley::load
