#pragma once

// The first step of a connection on a TLS listener: make sure the peer speaks TLS, then run the
// server handshake within a deadline. A peer that sends plain HTTP (an http:// or ws:// URL
// pointed at the TLS port) gets a plain-text 400 saying so and is closed; garbage or silence ends
// the connection without any effect on the others.

#include "server/server_stream.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <functional>

namespace parley::server {

/// Starts TLS on `stream` (a tcp_stream just accepted; it becomes a TlsStream). `done(true)` once
/// the handshake succeeded (the bytes it read first are consumed from `buffer`); `done(false)` when
/// it failed, timed out or the peer spoke plain HTTP. `stream`, `buffer` and `tls` must stay alive
/// until `done` runs (its captures should own them).
void startTls(HttpStream& stream, boost::beast::flat_buffer& buffer, boost::asio::ssl::context& tls,
              std::chrono::milliseconds timeout, std::function<void(bool ok)> done);

} // namespace parley::server
