#pragma once

// What the hub and the chat service may do to a connected session, without seeing its socket.

#include "protocol/codes.hpp"
#include "server/broker/broker.hpp"
#include "server/delivery_inbox.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

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

    /// Where a sink served by an io thread takes its deliveries: that thread's inbox, its
    /// executor, and the sink as the inbox's target. The hub hands a message to all such sinks
    /// of one thread as one fan-out (DeliveryInbox::pushFanout) instead of calling deliver()
    /// on each.
    struct InboxRoute {
        DeliveryInbox* inbox = nullptr;
        boost::asio::any_io_executor executor;
        std::weak_ptr<DeliveryInbox::Target> target;
    };
    /// This sink's route, or an empty one (inbox null): deliver() is then its only way in.
    /// Called once per attach; must not change while attached.
    virtual InboxRoute inboxRoute() { return {}; }
};

} // namespace parley::server
