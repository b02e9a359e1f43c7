#include "server/broker/memory_broker.hpp"

#include "server/thread_policy.hpp"

#include <algorithm>

namespace parley::server {

MemoryBroker::MemoryBroker() : thread_([this] { deliverLoop(); }) {}

MemoryBroker::~MemoryBroker() {
    shutdown();
}

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

bool MemoryBroker::subscribedLocked(std::string_view topic,
                                    const BrokerSubscriber* subscriber) const {
    const auto found = subscribers_.find(topic);
    return found != subscribers_.end() &&
           std::find(found->second.begin(), found->second.end(), subscriber) != found->second.end();
}

void MemoryBroker::publish(std::string_view topic, ChannelEvent event) {
    {
        const std::lock_guard lock{mutex_};
        // Subscribers are looked up when the event is delivered, not now: a hub may subscribe in
        // reaction to an event queued ahead of this one (a join), and must get what follows it.
        if (stopping_) {
            return;
        }
        queue_.push_back(Queued{.topic = std::string{topic}, .event = std::move(event)});
    }
    queued_cv_.notify_one();
}

void MemoryBroker::publishAll(std::string_view topic, std::vector<ChannelEvent> events) {
    {
        const std::lock_guard lock{mutex_};
        if (stopping_) {
            return;
        }
        for (ChannelEvent& event : events) {
            queue_.push_back(Queued{.topic = std::string{topic}, .event = std::move(event)});
        }
    }
    queued_cv_.notify_one();
}

void MemoryBroker::shutdown() {
    {
        const std::lock_guard lock{mutex_};
        if (stopping_) {
            return;
        }
        stopping_ = true;
        queue_.clear();
    }
    queued_cv_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
}

void MemoryBroker::deliverLoop() {
    runAsBackgroundThread(); // the io threads go first (thread_policy.hpp)
    std::unique_lock lock{mutex_};
    while (true) {
        queued_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) {
            return;
        }
        const Queued next = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        deliver(next);
        lock.lock();
    }
}

void MemoryBroker::deliver(const Queued& queued) {
    std::vector<BrokerSubscriber*> targets;
    {
        const std::lock_guard lock{mutex_};
        const auto found = subscribers_.find(queued.topic);
        if (found == subscribers_.end()) {
            return;
        }
        targets = found->second;
    }
    for (BrokerSubscriber* subscriber : targets) {
        {
            // Still subscribed? It may have unsubscribed while an earlier target ran.
            const std::lock_guard lock{mutex_};
            if (!subscribedLocked(queued.topic, subscriber)) {
                continue;
            }
        }
        subscriber->onBrokerEvent(queued.topic, queued.event);
    }
}

} // namespace parley::server
