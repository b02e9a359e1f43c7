#include "client/ws_connection.hpp"

#include "client/tls_client.hpp"
#include "protocol/events.hpp"
#include "protocol/names.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace parley::client {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

ClientStream makeStream(boost::asio::io_context& io, const WsUrl& url,
                        boost::asio::ssl::context* tls) {
    if (url.tls) {
        return ClientStream{TlsStream{beast::tcp_stream{io}, *tls}};
    }
    return ClientStream{beast::tcp_stream{io}};
}

beast::tcp_stream& tcpOf(ClientStream& stream) {
    return stream.visit(
        [](auto& layer) -> beast::tcp_stream& { return beast::get_lowest_layer(layer); });
}

} // namespace

WsConnection::WsConnection(boost::asio::io_context& io, WsUrl url, ConnectionHandlers handlers,
                           std::chrono::milliseconds connect_timeout,
                           std::shared_ptr<boost::asio::ssl::context> tls)
    : resolver_(io), tls_(std::move(tls)), ws_(makeStream(io, url, tls_.get())),
      url_(std::move(url)), handlers_(std::move(handlers)), connect_timeout_(connect_timeout) {}

namespace {

// What a failed TCP connect means to a person, by its cause.
ConnectionError connectError(const beast::error_code& error, const WsUrl& url,
                             std::chrono::milliseconds timeout) {
    const std::string where = url.host + ":" + url.port;
    if (error == beast::error::timeout) {
        return {.cause = ConnectionError::Cause::kTimedOut,
                .message = "no answer from " + where + " within " +
                           std::to_string(timeout.count() / 1000) + " s"};
    }
    if (error == boost::asio::error::connection_refused) {
        return {.cause = ConnectionError::Cause::kRefused,
                .message = "connection refused by " + where + " (is the server running there?)"};
    }
    return {.cause = ConnectionError::Cause::kNetwork,
            .message = "cannot connect to " + where + ": " + error.message()};
}

} // namespace

void WsConnection::start() {
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = shared_from_this()](beast::error_code error,
                                    const tcp::resolver::results_type& results) {
            if (self->ended_) {
                // Aborted meanwhile: cancel() cannot stop a lookup already running, and
                // connecting now would leave a socket nobody closes (shutdown would hang on it).
                return;
            }
            if (error) {
                self->fail({.cause = ConnectionError::Cause::kUnresolved,
                            .message = "cannot resolve the host " + self->url_.host + ": " +
                                       error.message()});
                return;
            }
            self->onResolved(results);
        });
}

void WsConnection::onResolved(const tcp::resolver::results_type& results) {
    // One deadline covers the TCP connect and both handshakes: a server that accepts and never
    // answers times out too.
    tcpOf(ws_.next_layer()).expires_after(connect_timeout_);
    tcpOf(ws_.next_layer())
        .async_connect(results,
                       [self = shared_from_this()](beast::error_code error, const tcp::endpoint&) {
                           if (self->ended_) {
                               return; // aborted meanwhile: the socket is closed, no handshake
                           }
                           if (error) {
                               self->fail(connectError(error, self->url_, self->connect_timeout_));
                               return;
                           }
                           if (self->url_.tls) {
                               self->handshakeTls();
                           } else {
                               self->handshakeWebSocket();
                           }
                       });
}

void WsConnection::handshakeTls() {
    auto& secure = *ws_.next_layer().get<TlsStream>();
    prepareTls(secure.native_handle(), url_.host);
    secure.async_handshake(
        boost::asio::ssl::stream_base::client,
        [self = shared_from_this()](beast::error_code error) { self->onTlsHandshake(error); });
}

void WsConnection::onTlsHandshake(const beast::error_code& error) {
    if (ended_) {
        return;
    }
    if (error == beast::error::timeout) {
        fail(connectError(error, url_, connect_timeout_));
    } else if (error) {
        // The certificate check's own reason (not verified, hostname mismatch, expired).
        auto* tls = ws_.next_layer().get<TlsStream>();
        fail({.cause = ConnectionError::Cause::kTls,
              .message = describeTlsFailure(tls->native_handle(), error)});
    } else {
        handshakeWebSocket();
    }
}

void WsConnection::handshakeWebSocket() {
    ws_.read_message_max(protocol::kMaxServerFrameBytes);
    ws_.text(true);
    ws_.async_handshake(
        upgrade_, url_.hostHeader(), url_.target,
        [self = shared_from_this()](beast::error_code error) { self->onHandshake(error); });
}

void WsConnection::onHandshake(const beast::error_code& error) {
    if (error) {
        const int status = static_cast<int>(upgrade_.result_int());
        if (status != 0 && status != 101) {
            // A 404 for another path is most likely a URL typed without Parley's path.
            const bool wrong_path = status == 404 && url_.target != protocol::kWebSocketPath;
            fail({.cause = ConnectionError::Cause::kHttpStatus,
                  .message = "the server refused the WebSocket upgrade of " + url_.target +
                             " with HTTP " + std::to_string(status) + " " +
                             std::string{upgrade_.reason()} +
                             (wrong_path ? " (Parley's WebSocket path is " +
                                               std::string{protocol::kWebSocketPath} + ")"
                                         : ""),
                  .http_status = status});
        } else {
            fail(
                error == beast::error::timeout
                    ? connectError(error, url_, connect_timeout_)
                    : ConnectionError{.message = "WebSocket handshake failed: " + error.message()});
        }
        return;
    }
    // From here the WebSocket's own timeouts apply (pings while idle), not the connect deadline.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    open_ = true;
    if (handlers_.opened) {
        handlers_.opened();
    }
    readNext();
    writeNext();
}

void WsConnection::fail(ConnectionError error) {
    if (ended_) {
        return;
    }
    if (auto failed = std::move(handlers_.failed)) {
        failed(error);
    }
    end(0, std::move(error.message));
}

void WsConnection::readNext() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, std::size_t) {
        if (error) {
            if (error == websocket::error::closed) {
                self->end(self->ws_.reason().code, std::string{self->ws_.reason().reason});
            } else {
                self->end(0, "connection lost: " + error.message());
            }
            return;
        }
        std::string text = beast::buffers_to_string(self->buffer_.data());
        self->buffer_.consume(self->buffer_.size());
        if (self->handlers_.frame) {
            self->handlers_.frame(std::move(text));
        }
        if (!self->ended_) {
            self->readNext();
        }
    });
}

void WsConnection::send(std::string text) {
    if (ended_ || closing_) {
        return;
    }
    writes_.push_back(std::move(text));
    writeNext();
}

void WsConnection::writeNext() {
    if (!open_ || writing_ || writes_.empty() || ended_) {
        return;
    }
    writing_ = true;
    ws_.async_write(boost::asio::buffer(writes_.front()),
                    [self = shared_from_this()](beast::error_code error, std::size_t) {
                        self->writing_ = false;
                        if (error) {
                            return; // the read loop sees the broken connection and ends it
                        }
                        self->writes_.pop_front();
                        self->writeNext();
                    });
}

void WsConnection::close() {
    if (ended_ || closing_) {
        return;
    }
    closing_ = true;
    if (!open_) {
        abort();
        return;
    }
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
        // The read loop completes with `closed` and reports the end.
    });
}

void WsConnection::abort() {
    handlers_ = {};
    ended_ = true;
    resolver_.cancel();
    beast::error_code ignored;
    tcpOf(ws_.next_layer()).socket().shutdown(tcp::socket::shutdown_both, ignored);
    // The stream's close, not the socket's: it also cancels the connect deadline, whose pending
    // timer would otherwise keep the io thread (and so shutdown()) waiting for up to 10 s.
    tcpOf(ws_.next_layer()).close();
}

void WsConnection::end(int close_code, std::string reason) {
    if (ended_) {
        return;
    }
    ended_ = true;
    writes_.clear();
    tcpOf(ws_.next_layer()).close(); // the socket and the connect deadline's timer
    if (auto ended = std::move(handlers_.ended)) {
        handlers_ = {};
        ended(close_code, std::move(reason));
    }
}

std::shared_ptr<Connection> WsTransport::open(const WsUrl& url, ConnectionHandlers handlers) {
    auto connection =
        std::make_shared<WsConnection>(*io_, url, std::move(handlers), connect_timeout_, tls_);
    connection->start();
    return connection;
}

} // namespace parley::client
