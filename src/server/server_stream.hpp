#pragma once

// The streams under a server connection: plain TCP or TLS, chosen when the connection is accepted
// (the server has a certificate or not), so HttpSession and WsSession are written once for both.
//
//   HttpStream  tcp_stream (Beast's per-operation timeouts), or TLS over one
//   WsStream    after the upgrade: the bare socket, or the same TLS stream. On plain TCP the
//               WebSocket layer keeps its own handshake and idle timeouts, and tcp_stream's
//               timeout bookkeeping would cost every write for nothing.
//
// Two types of two alternatives rather than one of three: every Beast operation is compiled once
// per alternative, and the WebSocket session has many.

#include "net/variant_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace parley::server {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using HttpStream = net::VariantStream<boost::beast::tcp_stream, TlsStream>;
using WsStream = net::VariantStream<boost::asio::ip::tcp::socket, TlsStream>;

/// The stream an HTTP connection hands to the WebSocket session after an upgrade, with no
/// deadline. Leaves `http` empty.
inline WsStream releaseForWebSocket(HttpStream& http) {
    if (auto* plain = http.get<boost::beast::tcp_stream>()) {
        return WsStream{plain->release_socket()};
    }
    auto& secure = *http.get<TlsStream>();
    boost::beast::get_lowest_layer(secure).expires_never();
    return WsStream{std::move(secure)};
}

} // namespace parley::server
