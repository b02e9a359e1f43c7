#include "server/broker/memory_broker.hpp"

#include <algorithm>

namespace parley::server {

void MemoryBroker::subscribe(std::string_view topic, BrokerSubscriber& subscriber) {
    const std::lock_guard lock{mutex_};
    auto& list = subscribers_[std::string{topic}];
    if (std::find(list.begin(), list.end(), &subscriber) == list.end()) {
        list.push_back(&subscriber);
    }
}

void MemoryBroker::unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) {
    const std::lock_guard lock{mutex_};
    const auto found = subscribers_.find(topic);
    if (found == subscribers_.end()) {
        return;
    }
    std::erase(found->second, &subscriber);
    if (found->second.empty()) {
        subscribers_.erase(found);
    }
}

void MemoryBroker::publish(std::string_view topic, const Payload& payload) {
    std::vector<BrokerSubscriber*> targets;
    {
        const std::lock_guard lock{mutex_};
        const auto found = subscribers_.find(topic);
        if (found == subscribers_.end()) {
            return;
        }
        targets = found->second;
    }
    for (BrokerSubscriber* subscriber : targets) {
        subscriber->onBrokerEvent(topic, payload);
    }
}

} // namespace parley::server
