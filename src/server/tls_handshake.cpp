#include "server/tls_handshake.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

namespace parley::server {

namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

namespace {

// What a browser, curl or a ws:// client sees when it speaks plain HTTP to the TLS port: the
// cause in words rather than a reset connection.
constexpr std::string_view kPlainHttpReply = "HTTP/1.1 400 Bad Request\r\n"
                                             "Content-Type: text/plain\r\n"
                                             "Content-Length: 47\r\n"
                                             "Connection: close\r\n"
                                             "\r\n"
                                             "This port speaks TLS: use https:// or wss://.\r\n";

void refusePlainHttp(beast::tcp_stream& plain, std::function<void(bool)> done) {
    boost::asio::async_write(
        plain, boost::asio::buffer(kPlainHttpReply.data(), kPlainHttpReply.size()),
        [&plain, done = std::move(done)](beast::error_code, std::size_t) {
            beast::error_code ignored;
            plain.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
            done(false);
        });
}

void handshake(HttpStream& stream, beast::flat_buffer& buffer, ssl::context& tls,
               std::chrono::milliseconds timeout, std::function<void(bool)> done) {
    auto& plain = *stream.get<beast::tcp_stream>();
    // Moving a tcp_stream with a deadline armed would lose the deadline: disarm, move, re-arm.
    plain.expires_never();
    stream.emplace(TlsStream{std::move(plain), tls});
    auto& secure = *stream.get<TlsStream>();
    beast::get_lowest_layer(secure).expires_after(timeout);
    secure.async_handshake(
        ssl::stream_base::server, buffer.data(),
        [&buffer, done = std::move(done)](beast::error_code error, std::size_t used) {
            buffer.consume(used);
            if (error) {
                spdlog::debug("TLS handshake failed: {}", error.message());
            }
            done(!error);
        });
}

} // namespace

void startTls(HttpStream& stream, beast::flat_buffer& buffer, ssl::context& tls,
              std::chrono::milliseconds timeout, std::function<void(bool ok)> done) {
    auto& plain = *stream.get<beast::tcp_stream>();
    plain.expires_after(timeout);
    beast::async_detect_ssl(plain, buffer,
                            [&stream, &buffer, &tls, timeout,
                             done = std::move(done)](beast::error_code error, bool is_tls) mutable {
                                if (error) {
                                    done(false); // closed, timed out or reset before a byte
                                } else if (!is_tls) {
                                    refusePlainHttp(*stream.get<beast::tcp_stream>(),
                                                    std::move(done));
                                } else {
                                    handshake(stream, buffer, tls, timeout, std::move(done));
                                }
                            });
}

} // namespace parley::server
