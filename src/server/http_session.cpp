#include "server/http_session.hpp"

#include "protocol/names.hpp"
#include "server/tls_handshake.hpp"
#include "server/ws_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <chrono>

namespace parley::server {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// Requests are small (REST reads, upgrades); anything bigger is not ours.
constexpr std::uint32_t kMaxRequestBodyBytes = 64 * 1024;
constexpr std::uint32_t kMaxRequestHeaderBytes = 16 * 1024;
constexpr std::chrono::seconds kRequestTimeout{30};
} // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context,
                         const RestApi& rest)
    : stream_(beast::tcp_stream{std::move(socket)}), context_(context), rest_(rest) {}

void HttpSession::run() {
    if (context_.tls != nullptr) {
        // The handshake gets the init timeout: a peer that never completes it is dropped as soon
        // as one that never sends init.
        startTls(stream_, buffer_, *context_.tls, context_.settings.init_timeout,
                 [self = shared_from_this()](bool ok) {
                     if (ok) {
                         self->readRequest();
                     }
                 });
        return;
    }
    readRequest();
}

void HttpSession::readRequest() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBodyBytes);
    parser_->header_limit(kMaxRequestHeaderBytes);
    stream_.expires_after(kRequestTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->onRead(error); });
}

void HttpSession::onRead(beast::error_code error) {
    if (error == http::error::end_of_stream) {
        beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    if (error) {
        return;
    }
    auto request = parser_->release();
    const std::string_view target = request.target();
    if (beast::websocket::is_upgrade(request) &&
        target.substr(0, target.find('?')) == protocol::kWebSocketPath) {
        std::make_shared<WsSession>(releaseForWebSocket(stream_), context_)->run(request);
        return;
    }
    rest_.handle(std::move(request), [self = shared_from_this()](HttpResponse response) {
        boost::asio::post(self->stream_.get_executor(),
                          [self, response = std::move(response)]() mutable {
                              self->writeResponse(std::move(response));
                          });
    });
}

void HttpSession::writeResponse(HttpResponse response) {
    response_ = std::move(response);
    const bool keep_alive = response_->keep_alive();
    http::async_write(
        stream_, *response_,
        [self = shared_from_this(), keep_alive](beast::error_code write_error, std::size_t) {
            self->onWrite(keep_alive, write_error);
        });
}

void HttpSession::onWrite(bool keep_alive, beast::error_code error) {
    response_.reset();
    if (error) {
        return;
    }
    if (!keep_alive) {
        beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    readRequest();
}

} // namespace parley::server
