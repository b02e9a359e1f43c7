#pragma once

#include "server/broker/broker.hpp"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace parley::server {

/// The in-process broker for a single node. Publishing delivers synchronously on the caller's
/// thread; subscribers hand the payload to their own executors.
class MemoryBroker final : public Broker {
public:
    void subscribe(std::string_view topic, BrokerSubscriber& subscriber) override;
    void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) override;
    void publish(std::string_view topic, const Payload& payload) override;

private:
    // Held only to read or change the map, never while calling a subscriber, so a subscriber may
    // take its own locks (the hub does) without an ordering problem.
    std::mutex mutex_;
    std::map<std::string, std::vector<BrokerSubscriber*>, std::less<>> subscribers_;
};

} // namespace parley::server
