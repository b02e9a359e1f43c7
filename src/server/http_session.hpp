#pragma once

// One HTTP connection: answers plain requests through the RestApi (keep-alive), and hands a
// WebSocket upgrade on /v1/ws over to a new WsSession.

#include "server/rest_api.hpp"
#include "server/server_context.hpp"
#include "server/server_stream.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

namespace parley::server {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context, const RestApi& rest);

    /// Starts reading (after the TLS handshake when the server has a certificate); call on
    /// executor().
    void run();
    boost::beast::tcp_stream::executor_type executor() { return stream_.get_executor(); }

private:
    void readRequest();
    void onRead(boost::beast::error_code error);
    void writeResponse(HttpResponse response);
    void onWrite(bool keep_alive, boost::beast::error_code error);

    HttpStream stream_; // a tcp_stream; with TLS, a TlsStream from run() on
    boost::beast::flat_buffer buffer_;
    ServerContext& context_;
    const RestApi& rest_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<HttpResponse> response_;
};

} // namespace parley::server
