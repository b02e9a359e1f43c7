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
};

} // namespace parley::server
