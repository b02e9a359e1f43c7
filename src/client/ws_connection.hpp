#pragma once

// One WebSocket connection of a ChatClient: resolve, connect, handshake, a read loop and a write
// queue. It knows nothing of the protocol's meaning. Everything runs on the client's io thread;
// the handlers are called there, `ended` exactly once unless `abort()` came first.

#include "client/ws_url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace parley::client {

class WsConnection : public std::enable_shared_from_this<WsConnection> {
public:
    struct Handlers {
        std::function<void()> opened;
        std::function<void(std::string text)> frame;
        /// `close_code` is the server's close code, or 0 when the connection failed or broke.
        std::function<void(int close_code, std::string reason)> ended;
    };

    WsConnection(boost::asio::io_context& io, WsUrl url, Handlers handlers,
                 std::chrono::milliseconds connect_timeout);

    void start();
    void send(std::string text);
    /// A normal close (1000) initiated by the client; `ended` follows.
    void close();
    /// Drops the handlers and the socket at once; nothing is called afterwards.
    void abort();

private:
    void onResolved(const boost::asio::ip::tcp::resolver::results_type& results);
    void readNext();
    void writeNext();
    void end(int close_code, std::string reason);

    boost::asio::ip::tcp::resolver resolver_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    WsUrl url_;
    Handlers handlers_;
    std::chrono::milliseconds connect_timeout_;
    boost::beast::flat_buffer buffer_;
    std::deque<std::string> writes_;
    bool open_ = false;
    bool writing_ = false;
    bool closing_ = false;
    bool ended_ = false;
};

} // namespace parley::client
