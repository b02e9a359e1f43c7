#pragma once

// One WebSocket connection: reads frames, enforces the token lifecycle (DESIGN.md rules 1-4 and
// the close codes), and hands chat ops to the ChatService.
//
// Threading: everything runs on the one io thread whose context the connection was accepted on
// (IoPool). deliver() and close() may be called from any thread; they post onto that context.

#include "server/metrics.hpp"
#include "server/server_context.hpp"
#include "server/session_sink.hpp"
#include "server/token_schedule.hpp"

#include <parley/token/claims.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace parley::server {

class WsSession final : public SessionSink, public std::enable_shared_from_this<WsSession> {
public:
    // On the bare socket: the websocket layer keeps its own handshake and idle timeouts, and
    // beast::tcp_stream's per-operation timeout bookkeeping would cost every write for nothing.
    using Stream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;
    using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

    WsSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context);
    ~WsSession() override;
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    /// Completes the WebSocket handshake for `request` and starts reading.
    void run(const UpgradeRequest& request);

    void deliver(const Payload& payload) override;
    void close(protocol::CloseCode code) override;

private:
    void onAccept(boost::beast::error_code error);
    void readNext();
    void onRead(boost::beast::error_code error);
    void handleFrame(std::string_view text);
    void handleInit(const protocol::Request& request);
    void handleUpdateToken(const protocol::Request& request);
    /// The request's `token`, verified. On failure the error reply is sent already; `rejected`
    /// tells a refused token (a 201xx code) from a missing or malformed argument.
    std::optional<token::Claims> verifiedToken(const protocol::Request& request, bool& rejected);
    void sendTokenReply(std::uint64_t id, token::UnixSeconds expires_at);
    void handleChat(const protocol::Request& request);
    void protocolError(std::optional<std::uint64_t> id, protocol::ErrorCode code,
                       std::string_view message);

    void armTokenTimers(token::UnixSeconds expires_at);
    void sendAboutToExpire();
    void sendExpired();

    void send(Payload payload);
    void send(std::string frame);
    void writeNext();
    void onWrite(boost::beast::error_code error);
    void closeWith(protocol::CloseCode code, CloseReason reason);
    void startClose();
    void finish(CloseReason reason);

    Stream ws_;
    ServerContext& context_;
    boost::beast::flat_buffer buffer_;
    std::deque<Payload> queue_;
    bool writing_ = false;

    boost::asio::steady_timer init_timer_;
    boost::asio::steady_timer warn_timer_;
    boost::asio::steady_timer expiry_timer_;
    RateLimiter rate_;
    std::size_t rate_strikes_ = 0;
    std::size_t protocol_errors_ = 0;

    // Token state: set by init, replaced by each accepted update_token.
    bool initialized_ = false;
    std::string identity_;
    std::string token_id_; // jti of the token in force
    token::UnixSeconds expires_at_{};
    // Bumped by every accepted token, so a timer armed for an older token does nothing.
    std::uint64_t token_generation_ = 0;

    std::optional<protocol::CloseCode> pending_close_;
    CloseReason close_reason_ = CloseReason::kClientClosed;
    bool accepted_ = false;
    bool attached_ = false;
    bool finished_ = false;
};

} // namespace parley::server
