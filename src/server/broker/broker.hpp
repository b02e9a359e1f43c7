#pragma once

// Fan-out of channel events between the chat service and the connected sessions. In-process
// now (MemoryBroker); Redis pub/sub later, so that an event published on one node reaches the
// sessions of every node. The session code never sees which one is in use.

#include <memory>
#include <string>
#include <string_view>

namespace parley::server {

/// A serialized event frame, shared by every session it goes to.
using Payload = std::shared_ptr<const std::string>;

class BrokerSubscriber {
public:
    virtual ~BrokerSubscriber() = default;
    /// Called for each event published on a topic the subscriber is subscribed to. May be called
    /// on any thread; must not block and must not call back into the broker.
    virtual void onBrokerEvent(std::string_view topic, const Payload& payload) = 0;
};

/// Thread-safe. Topics are channel SIDs.
class Broker {
public:
    virtual ~Broker() = default;
    virtual void subscribe(std::string_view topic, BrokerSubscriber& subscriber) = 0;
    virtual void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) = 0;
    /// Delivers to every subscriber of `topic`, in publish order per topic.
    virtual void publish(std::string_view topic, const Payload& payload) = 0;
};

} // namespace parley::server
