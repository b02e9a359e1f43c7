#pragma once

// One WebSocket connection, on our own few parts rather than Beast's websocket::stream (whose
// state and pending read cost an idle connection 3.7 KiB): the upgrade answer
// (ws_handshake.hpp), the frame reader (ws_frame_reader.hpp), the outbox that writes everything
// (outbox_stream.hpp) and the control frames (ws_control_frame.hpp). It reads frames one at a
// time and hands them to its SessionCore (the protocol logic), answers pings, keeps idle
// connections alive with pings of its own, and does the closing handshake.
//
// An idle plain-TCP connection waits for its socket to become readable with no buffer at all:
// the bytes are read into the io thread's one buffer when they are there, and the reader keeps
// only what it has not parsed yet.
//
// Threading: everything runs on the one io thread whose context the connection was accepted on
// (IoPool). deliver() and close() may be called from any thread; they post onto that context.

#include "server/asio_timer_scheduler.hpp"
#include "server/delivery_inbox.hpp"
#include "server/outbox_stream.hpp"
#include "server/server_context.hpp"
#include "server/server_stream.hpp"
#include "server/session_core.hpp"
#include "server/session_sink.hpp"
#include "server/session_transport.hpp"
#include "server/ws_frame_reader.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace parley::server {

class WsSession final : public SessionSink,
                        public SessionTransport,
                        private OutboxStream::Listener,
                        private DeliveryInbox::Target,
                        public std::enable_shared_from_this<WsSession> {
public:
    using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

    /// How long the closing handshake may take before the socket is closed without it, or the
    /// keep-alive if that is shorter: a peer silent that long would be dropped anyway.
    static constexpr std::chrono::seconds kMaxCloseTimeout{30};
    /// closeAfterQueued queues the close frame at once behind at most this much output.
    static constexpr std::size_t kCloseBehindBytes = std::size_t{64} << 10U;

    WsSession(WsStream&& stream, ServerContext& context);
    ~WsSession() override;
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    /// Answers the upgrade `request` and, if it is valid, starts the session.
    void run(const UpgradeRequest& request);

    // SessionSink: from any thread.
    void deliver(const Payload& payload) override;
    InboxRoute inboxRoute() override;
    void close(protocol::CloseCode code) override;
    void recheckRevocation() override;

    // SessionTransport: from the core, on the io thread.
    void send(Payload frame) override;
    void closeAfterQueued(protocol::CloseCode code) override;
    void readNext() override;

private:
    // Reading.
    void waitForBytes();
    void onReadable(boost::system::error_code error);
    void onBytes(boost::system::error_code error, std::span<const char> bytes);
    /// Hands out what the reader has: control frames are answered here, messages go to the core
    /// for as long as it asks for the next one from inside onFrame; with nothing left, waits for
    /// the socket.
    void pump();
    void pumpFrames();
    void onMessage(const std::string& text);
    void onPeerClose(std::uint16_t code);
    void onBadFrames(WsReadError error);
    void onReadFailed(boost::system::error_code error);

    // Closing.
    /// Queues our close frame (once); the connection ends when the handshake is complete.
    void sendClose(std::uint16_t code, std::string_view reason, CloseReason why);
    void finishClose();
    void startClose();
    /// Closes the socket and ends the session at once.
    void abort(CloseReason reason);
    void end(CloseReason reason);

    void armKeepAlive();
    void checkAlive();
    /// The unsent output would pass max_outbox_bytes: close 4413.
    void dropSlowReader(std::size_t refused_bytes);

    // OutboxStream::Listener
    void onOutboxDrained() override;
    void onOutboxFailed(boost::system::error_code error) override;
    // DeliveryInbox::Target
    void deliverNow(const Payload& payload) override;

    /// A TLS read needs a buffer of its own while it waits (a record is up to 16 KiB).
    static constexpr std::size_t kTlsReadBytes = std::size_t{16} << 10U;

    OutboxStream outbox_;
    WsFrameReader reader_;
    DeliveryInbox& inbox_; // of this connection's io thread
    ServerContext& context_;
    AsioTimerScheduler scheduler_;
    SessionCore core_;
    std::unique_ptr<std::array<char, kTlsReadBytes>> tls_buffer_; // TLS connections only
    std::optional<CloseReason> close_reason_; // why the closing handshake was started
    token::TimePoint last_heard_{};           // the keep-alive measures silence from here
    bool reading_ = false;
    bool pumping_ = false; // inside pump(): readNext() lets it go on
    bool accepted_ = false;
    bool close_requested_ = false; // the core or the hub asked; our close frame follows the queue
    bool close_started_ = false;
    bool close_sent_ = false;     // our close frame is queued
    bool close_written_ = false;  // and in the socket
    bool close_received_ = false; // the peer's close was read, or nothing more will be read
    bool tearing_down_ = false;
    bool ping_sent_ = false; // a keep-alive ping waits for an answer
    bool ended_ = false;
};

} // namespace parley::server
