#pragma once

// One WebSocket connection: the Beast side of a session. It reads frames one at a time and hands
// them to its SessionCore (the protocol logic), and writes what the core and the hub queue.
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

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <memory>
#include <optional>

namespace parley::server {

class WsSession final : public SessionSink,
                        public SessionTransport,
                        private OutboxStream::Listener,
                        private DeliveryInbox::Target,
                        public std::enable_shared_from_this<WsSession> {
public:
    // Plain TCP on the bare socket, or TLS (server_stream.hpp), under the outbox that does the
    // writing (outbox_stream.hpp).
    using Stream = boost::beast::websocket::stream<OutboxStream>;
    using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

    WsSession(WsStream&& stream, ServerContext& context);
    ~WsSession() override;
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    /// Completes the WebSocket handshake for `request` and starts the session.
    void run(const UpgradeRequest& request);

    // SessionSink: from any thread.
    void deliver(const Payload& payload) override;
    void close(protocol::CloseCode code) override;
    void recheckRevocation() override;

    // SessionTransport: from the core, on the io thread.
    void send(Payload frame) override;
    void closeAfterQueued(protocol::CloseCode code) override;
    void readNext() override;

private:
    void onAccept(boost::beast::error_code error);
    void readPart();
    void onRead(boost::beast::error_code error);
    /// The unsent output would pass max_outbox_bytes: close 4413.
    void dropSlowReader(std::size_t refused_bytes);
    // OutboxStream::Listener
    void onOutboxDrained() override;
    void onOutboxFailed(boost::beast::error_code error) override;
    OutboxStream& outbox() { return ws_.next_layer(); }
    // DeliveryInbox::Target
    void deliverNow(const Payload& payload) override;
    void startClose();
    void end(CloseReason reason);

    static constexpr std::size_t kReadPart = 512;

    Stream ws_;
    DeliveryInbox& inbox_; // of this connection's io thread
    ServerContext& context_;
    AsioTimerScheduler scheduler_;
    SessionCore core_;
    boost::beast::flat_buffer buffer_;
    bool reading_ = false;
    bool accepted_ = false;
    bool close_requested_ = false;
    bool close_started_ = false;
    bool ended_ = false;
};

} // namespace parley::server
