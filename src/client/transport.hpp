#pragma once

// The seam between the client's state machine (ClientCore) and the network: open a connection to
// a URL, send text frames on it, close or abort it, and hear back when it opened, when a frame
// arrived and when it ended. WsTransport (WebSocket over Asio) is the production implementation;
// unit tests use an in-memory one and play the server frame by frame.

#include "client/ws_url.hpp"

#include <parley/client/types.hpp>

#include <functional>
#include <memory>
#include <string>

namespace parley::client {

/// What a connection tells its owner. Every handler runs on the owner's scheduler thread, never
/// inside a call of the owner into the connection (open, send, close, abort).
struct ConnectionHandlers {
    /// The connection is ready for frames.
    std::function<void()> opened;
    /// One text frame from the server.
    std::function<void(std::string text)> frame;
    /// The connection could not be opened (before `opened`): why. `ended` follows at once.
    /// `attempt`, `will_retry` and `retry_in` are left for the owner to fill.
    std::function<void(ConnectionError error)> failed;
    /// The connection ended: exactly once, unless abort() came first. `close_code` is the
    /// server's WebSocket close code, or 0 when the connection failed or broke without one.
    std::function<void(int close_code, std::string reason)> ended;
};

/// One connection. Its methods are called on the owner's scheduler thread only.
class Connection {
public:
    virtual ~Connection() = default;

    /// Queues a text frame; frames go out in order once the connection is open. Dropped after
    /// close() or the end.
    virtual void send(std::string text) = 0;
    /// A normal close initiated by the client; `ended` follows.
    virtual void close() = 0;
    /// Drops the handlers and the connection at once; no handler runs afterwards.
    virtual void abort() = 0;
};

class Transport {
public:
    virtual ~Transport() = default;

    /// Starts opening a connection to `url`; the handlers report what becomes of it.
    virtual std::shared_ptr<Connection> open(const WsUrl& url, ConnectionHandlers handlers) = 0;
};

} // namespace parley::client
