#pragma once

// The server side of the WebSocket opening handshake (RFC 6455, 4.2.2) without Beast's
// websocket::stream: the answer to an upgrade request HttpSession has read, as bytes to write.
// It gives what websocket::stream::async_accept(request) wrote (Boost 1.74, no decorator, no
// permessage-deflate): the same checks in the same order, the same status codes, headers, header
// order and bodies, so a client sees no difference. One check is stricter: Sec-WebSocket-Key must
// be the base64 of 16 bytes, where Beast only refused keys over 24 characters.
//
// Pure and thread-safe: no I/O, no state.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>

namespace parley::server {

struct WsHandshakeAnswer {
    /// The whole HTTP response, ready to write: 101 Switching Protocols when accepted; else 400
    /// Bad Request, or 426 Upgrade Required (with Sec-WebSocket-Version: 13) for another version.
    /// After a refusal the connection is closed once the response is written, as Beast did.
    std::string response;
    /// Empty when accepted; else why not, as a boost::beast::websocket::error (bad_method,
    /// no_sec_key, bad_sec_version...), the code Beast's accept completed with.
    boost::system::error_code error;

    bool accepted() const { return !error; }
};

/// The answer to `request`, an HTTP request for the WebSocket path.
WsHandshakeAnswer
answerUpgrade(const boost::beast::http::request<boost::beast::http::string_body>& request);

/// Sec-WebSocket-Accept for a client's key: base64(SHA-1(key + the RFC 6455 GUID)).
std::string webSocketAccept(std::string_view key);

/// True when `key` is the base64 of 16 bytes, as RFC 6455 4.1 has clients send.
bool validWebSocketKey(std::string_view key);

} // namespace parley::server
