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
    /// Asks for the next frame; the core calls it again only once that frame has come. The core
    /// reads a frame only when it can act on it: while an op runs on a store worker the next
    /// frame waits in the socket, except that message.sends are read ahead up to
    /// SessionCore::kMaxSendsInFlight, which bounds what one connection can queue on the workers.
    virtual void readNext() = 0;
};

} // namespace parley::server
