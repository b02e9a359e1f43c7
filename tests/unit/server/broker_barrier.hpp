#pragma once

// Waits until a MemoryBroker has delivered everything published so far. The memory broker
// delivers in one order across all topics, so once a barrier event published now has come
// through, so has every event published before it. Tests use it before asserting that a session
// got (or did not get) an event.

#include "server/broker/memory_broker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string_view>

namespace parley::server {

class BrokerBarrier final : public BrokerSubscriber {
public:
    explicit BrokerBarrier(MemoryBroker& broker) : broker_(broker) {
        broker_.subscribe(kTopic, *this);
    }
    ~BrokerBarrier() override { broker_.unsubscribe(kTopic, *this); }
    BrokerBarrier(const BrokerBarrier&) = delete;
    BrokerBarrier& operator=(const BrokerBarrier&) = delete;

    static constexpr std::string_view kTopic = "test:barrier";

    /// Returns once everything published before the call has been delivered (fails the test
    /// after 10 s).
    void settle() {
        const std::size_t target = ++sent_;
        broker_.publish(kTopic, ChannelEvent{});
        std::unique_lock lock{mutex_};
        ASSERT_TRUE(changed_.wait_for(lock, std::chrono::seconds{10}, [&] {
            return seen_ >= target;
        })) << "the broker did not deliver within 10 s";
    }

    void onBrokerEvent(std::string_view /*topic*/, const ChannelEvent& /*event*/) override {
        {
            const std::lock_guard lock{mutex_};
            ++seen_;
        }
        changed_.notify_all();
    }

private:
    MemoryBroker& broker_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t seen_ = 0;
    std::size_t sent_ = 0;
};

} // namespace parley::server
