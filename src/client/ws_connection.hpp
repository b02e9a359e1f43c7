#pragma once

// One WebSocket connection of a ChatClient: resolve, connect, TLS handshake (wss://), WebSocket
// handshake, a read loop and a write queue; the production Connection (transport.hpp). It knows
// nothing of the protocol's meaning. Everything runs on the client's io thread; the handlers are
// called there, `ended` exactly once unless `abort()` came first.

#include "client/transport.hpp"
#include "client/ws_url.hpp"
#include "net/variant_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace parley::client {

/// ws:// over a tcp_stream, wss:// over TLS on one; chosen by the URL.
using ClientStream = net::VariantStream<boost::beast::tcp_stream,
                                        boost::beast::ssl_stream<boost::beast::tcp_stream>>;

class WsConnection final : public Connection, public std::enable_shared_from_this<WsConnection> {
public:
    /// `tls` verifies the server of a wss:// URL; unused (may be null) for ws://.
    WsConnection(boost::asio::io_context& io, WsUrl url, ConnectionHandlers handlers,
                 std::chrono::milliseconds connect_timeout,
                 std::shared_ptr<boost::asio::ssl::context> tls);

    void start();
    void send(std::string text) override;
    /// A normal close (1000) initiated by the client; `ended` follows.
    void close() override;
    void abort() override;

private:
    void onResolved(const boost::asio::ip::tcp::resolver::results_type& results);
    void handshakeTls();
    void onTlsHandshake(const boost::beast::error_code& error);
    void handshakeWebSocket();
    void onHandshake(const boost::beast::error_code& error);
    /// The connection never opened: `failed`, then `ended`.
    void fail(ConnectionError error);
    void readNext();
    void writeNext();
    void end(int close_code, std::string reason);

    boost::asio::ip::tcp::resolver resolver_;
    std::shared_ptr<boost::asio::ssl::context> tls_; // outlives the stream that uses it
    boost::beast::websocket::stream<ClientStream> ws_;
    WsUrl url_;
    ConnectionHandlers handlers_;
    std::chrono::milliseconds connect_timeout_;
    boost::beast::websocket::response_type upgrade_; // the server's answer to the upgrade
    boost::beast::flat_buffer buffer_;
    std::deque<std::string> writes_;
    bool open_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool ended_ = false;
};

/// The production Transport: WebSocket connections on the client's io_context.
class WsTransport final : public Transport {
public:
    /// `tls` as for WsConnection.
    WsTransport(boost::asio::io_context& io, std::chrono::milliseconds connect_timeout,
                std::shared_ptr<boost::asio::ssl::context> tls)
        : io_(&io), connect_timeout_(connect_timeout), tls_(std::move(tls)) {}

    std::shared_ptr<Connection> open(const WsUrl& url, ConnectionHandlers handlers) override;

private:
    boost::asio::io_context* io_;
    std::chrono::milliseconds connect_timeout_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

} // namespace parley::client
