#pragma once

// Runs a hiredis async connection on an Asio io_context: hiredis's event hooks (addRead, delRead,
// addWrite, delWrite, cleanup) become waits on a stream_descriptor over the connection's socket,
// and readiness calls back into redisAsyncHandleRead/Write. hiredis parses and writes RESP; this
// only tells it when the socket is ready.
//
// Everything about the connection (commands, the hooks, freeing it) must happen on one thread
// running `io`: hiredis is not thread-safe.

#include <boost/asio/io_context.hpp>

struct redisAsyncContext;

namespace parley::server {

/// Attaches `context` to `io`. False if it already has an event loop attached. The attachment
/// ends by itself when hiredis frees the context (its cleanup hook); the socket stays hiredis's.
bool attachToAsio(redisAsyncContext* context, boost::asio::io_context& io);

} // namespace parley::server
