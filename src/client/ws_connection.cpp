#include "client/ws_connection.hpp"

#include "client/tls_client.hpp"
#include "protocol/events.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
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

void WsConnection::start() {
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = shared_from_this()](beast::error_code error,
                                    const tcp::resolver::results_type& results) {
            if (error) {
                self->end(0, "cannot resolve the host: " + error.message());
                return;
            }
            self->onResolved(results);
        });
}

void WsConnection::onResolved(const tcp::resolver::results_type& results) {
    // One deadline covers the TCP connect and both handshakes.
    tcpOf(ws_.next_layer()).expires_after(connect_timeout_);
    tcpOf(ws_.next_layer())
        .async_connect(results,
                       [self = shared_from_this()](beast::error_code error, const tcp::endpoint&) {
                           if (error) {
                               self->end(0, "cannot connect: " + error.message());
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
    secure.async_handshake(boost::asio::ssl::stream_base::client,
                           [self = shared_from_this()](beast::error_code error) {
                               if (error) {
                                   auto* tls = self->ws_.next_layer().get<TlsStream>();
                                   self->end(0, describeTlsFailure(tls->native_handle(), error));
                                   return;
                               }
                               self->handshakeWebSocket();
                           });
}

void WsConnection::handshakeWebSocket() {
    ws_.read_message_max(protocol::kMaxServerFrameBytes);
    ws_.text(true);
    ws_.async_handshake(
        url_.host + ":" + url_.port, url_.target,
        [self = shared_from_this()](beast::error_code handshake_error) {
            if (handshake_error) {
                self->end(0, "WebSocket handshake failed: " + handshake_error.message());
                return;
            }
            // From here the WebSocket's own timeouts apply (pings while idle), not the connect
            // deadline.
            beast::get_lowest_layer(self->ws_).expires_never();
            self->ws_.set_option(
                websocket::stream_base::timeout::suggested(beast::role_type::client));
            self->open_ = true;
            if (self->handlers_.opened) {
                self->handlers_.opened();
            }
            self->readNext();
            self->writeNext();
        });
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
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

void WsConnection::end(int close_code, std::string reason) {
    if (ended_) {
        return;
    }
    ended_ = true;
    writes_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
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
