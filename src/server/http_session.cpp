#include "server/http_session.hpp"

#include "protocol/names.hpp"
#include "server/ws_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

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
    : stream_(std::move(socket)), context_(context), rest_(rest) {}

void HttpSession::run() {
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
        stream_.expires_never();
        std::make_shared<WsSession>(stream_.release_socket(), context_)->run(request);
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
