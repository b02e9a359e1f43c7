#pragma once

// The in-process broker of a single node. Events are queued and delivered by one thread of the
// broker's own, in publish order across all topics (stronger than the contract asks), each to the
// subscribers its topic has when it is delivered. A publisher never runs subscribers' code and
// never waits for a channel's fan-out.

#include "server/broker/broker.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::server {

class MemoryBroker final : public Broker {
public:
    MemoryBroker();
    ~MemoryBroker() override;
    MemoryBroker(const MemoryBroker&) = delete;
    MemoryBroker& operator=(const MemoryBroker&) = delete;

    void subscribe(std::string_view topic, BrokerSubscriber& subscriber) override;
    void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) override;
    void publish(std::string_view topic, ChannelEvent event) override;
    /// One lock and one wake-up of the delivery thread for the lot.
    void publishAll(std::string_view topic, std::vector<ChannelEvent> events) override;
    void shutdown() override;

private:
    struct Queued {
        std::string topic;
        ChannelEvent event;
    };

    void deliverLoop();
    void deliver(const Queued& queued);
    bool subscribedLocked(std::string_view topic, const BrokerSubscriber* subscriber) const;

    // Guards the subscriber map and the queue; never held while a subscriber runs, so a
    // subscriber may take its own locks and call subscribe/unsubscribe.
    std::mutex mutex_;
    std::condition_variable queued_cv_;
    std::deque<Queued> queue_;
    bool stopping_ = false;
    std::map<std::string, std::vector<BrokerSubscriber*>, std::less<>> subscribers_;
    std::thread thread_;
};

} // namespace parley::server
