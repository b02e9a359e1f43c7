#pragma once

// What the hub and the chat service may do to a connected session, without seeing its socket.

#include "protocol/codes.hpp"
#include "server/broker/broker.hpp"

namespace parley::server {

class SessionSink {
public:
    virtual ~SessionSink() = default;
    /// Queues a frame for sending. Thread-safe, never blocks.
    virtual void deliver(const Payload& payload) = 0;
    /// Sends what is queued, then closes with `code`. Thread-safe.
    virtual void close(protocol::CloseCode code) = 0;
    /// A revocation arrived: the session re-checks the token in force (and the one its init is
    /// verifying) and closes with 4403 if it is now revoked. Thread-safe, never blocks. Sinks
    /// that hold no token ignore it.
    virtual void recheckRevocation() {}
};

} // namespace parley::server
