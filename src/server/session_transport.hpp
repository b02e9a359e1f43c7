#pragma once

// What a session's protocol logic (SessionCore) needs from its connection: a way to send frames,
// to close, and to ask for the next frame. WsSession implements it over a WebSocket; the tests
// implement it in memory, so the lifecycle rules are checked event by event with a manual clock.

#include "protocol/codes.hpp"
#include "server/broker/broker.hpp"

namespace parley::server {

class SessionTransport {
public:
    virtual ~SessionTransport() = default;
    /// Queues a frame for the peer, after those queued before.
    virtual void send(Payload frame) = 0;
    /// Sends what is queued, then closes with `code`. Called at most once.
    virtual void closeAfterQueued(protocol::CloseCode code) = 0;
    /// Asks for the next frame. The core reads one frame at a time: while an op runs on a store
    /// worker, the next frame waits in the socket, which keeps a connection's replies in order
    /// and bounds what one connection can queue on the workers.
    virtual void readNext() = 0;
};

} // namespace parley::server
