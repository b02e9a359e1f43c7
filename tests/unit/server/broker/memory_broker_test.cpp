#include "server/broker/memory_broker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace parley::server {
namespace {

// Records every (topic, payload) it is handed.
class RecordingSubscriber final : public BrokerSubscriber {
public:
    void onBrokerEvent(std::string_view topic, const Payload& payload) override {
        const std::lock_guard lock{mutex_};
        events_.emplace_back(std::string{topic}, payload);
    }

    std::vector<std::pair<std::string, std::string>> events() const {
        const std::lock_guard lock{mutex_};
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& [topic, payload] : events_) {
            out.emplace_back(topic, *payload);
        }
        return out;
    }
    std::vector<Payload> payloads() const {
        const std::lock_guard lock{mutex_};
        std::vector<Payload> out;
        for (const auto& event : events_) {
            out.push_back(event.second);
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, Payload>> events_;
};

using Events = std::vector<std::pair<std::string, std::string>>;

Payload payload(std::string text) {
    return std::make_shared<const std::string>(std::move(text));
}

TEST(MemoryBroker, DeliversToASubscriberOfTheTopicWithTheTopic) {
    MemoryBroker broker;
    RecordingSubscriber subscriber;
    broker.subscribe("CH1", subscriber);
    broker.publish("CH1", payload("hello"));
    EXPECT_EQ(subscriber.events(), (Events{{"CH1", "hello"}}));
}

TEST(MemoryBroker, DeliversOnlyTheTopicsSubscribedTo) {
    MemoryBroker broker;
    RecordingSubscriber one;
    RecordingSubscriber two;
    broker.subscribe("CH1", one);
    broker.subscribe("CH2", two);
    broker.publish("CH1", payload("a"));
    broker.publish("CH2", payload("b"));
    broker.publish("CH3", payload("c"));
    EXPECT_EQ(one.events(), (Events{{"CH1", "a"}}));
    EXPECT_EQ(two.events(), (Events{{"CH2", "b"}}));
}

TEST(MemoryBroker, EverySubscriberOfATopicGetsTheSamePayloadObject) {
    MemoryBroker broker;
    RecordingSubscriber one;
    RecordingSubscriber two;
    broker.subscribe("CH1", one);
    broker.subscribe("CH1", two);
    const Payload event = payload("shared");
    broker.publish("CH1", event);
    ASSERT_EQ(one.payloads().size(), 1U);
    ASSERT_EQ(two.payloads().size(), 1U);
    EXPECT_EQ(one.payloads().front().get(), event.get());
    EXPECT_EQ(two.payloads().front().get(), event.get());
}

TEST(MemoryBroker, SubscribingTwiceDeliversOnce) {
    MemoryBroker broker;
    RecordingSubscriber subscriber;
    broker.subscribe("CH1", subscriber);
    broker.subscribe("CH1", subscriber);
    broker.publish("CH1", payload("once"));
    EXPECT_EQ(subscriber.events().size(), 1U);
    // And a single unsubscribe is enough.
    broker.unsubscribe("CH1", subscriber);
    broker.publish("CH1", payload("never"));
    EXPECT_EQ(subscriber.events().size(), 1U);
}

TEST(MemoryBroker, OneSubscriberMayHoldSeveralTopics) {
    MemoryBroker broker;
    RecordingSubscriber subscriber;
    broker.subscribe("CH1", subscriber);
    broker.subscribe("CH2", subscriber);
    broker.publish("CH2", payload("b"));
    broker.publish("CH1", payload("a"));
    EXPECT_EQ(subscriber.events(), (Events{{"CH2", "b"}, {"CH1", "a"}}));
}

TEST(MemoryBroker, UnsubscribeStopsDeliveryOfThatTopicOnly) {
    MemoryBroker broker;
    RecordingSubscriber leaving;
    RecordingSubscriber staying;
    broker.subscribe("CH1", leaving);
    broker.subscribe("CH2", leaving);
    broker.subscribe("CH1", staying);
    broker.unsubscribe("CH1", leaving);
    broker.publish("CH1", payload("a"));
    broker.publish("CH2", payload("b"));
    EXPECT_EQ(leaving.events(), (Events{{"CH2", "b"}}));
    EXPECT_EQ(staying.events(), (Events{{"CH1", "a"}}));
}

TEST(MemoryBroker, UnsubscribingWhatWasNeverSubscribedIsHarmless) {
    MemoryBroker broker;
    RecordingSubscriber subscriber;
    RecordingSubscriber other;
    broker.unsubscribe("CH1", subscriber);
    broker.subscribe("CH1", other);
    broker.unsubscribe("CH1", subscriber);
    broker.publish("CH1", payload("a"));
    EXPECT_TRUE(subscriber.events().empty());
    EXPECT_EQ(other.events().size(), 1U);
}

TEST(MemoryBroker, PublishingWithoutSubscribersDoesNothing) {
    MemoryBroker broker;
    EXPECT_NO_FATAL_FAILURE(broker.publish("CH1", payload("nobody")));
    RecordingSubscriber subscriber;
    broker.subscribe("CH1", subscriber);
    broker.unsubscribe("CH1", subscriber);
    EXPECT_NO_FATAL_FAILURE(broker.publish("CH1", payload("nobody")));
    EXPECT_TRUE(subscriber.events().empty());
}

TEST(MemoryBroker, KeepsPublishOrderPerTopic) {
    MemoryBroker broker;
    RecordingSubscriber subscriber;
    broker.subscribe("CH1", subscriber);
    Events expected;
    for (int i = 0; i < 100; ++i) {
        broker.publish("CH1", payload(std::to_string(i)));
        expected.emplace_back("CH1", std::to_string(i));
    }
    EXPECT_EQ(subscriber.events(), expected);
}

TEST(MemoryBroker, DeliversSynchronouslyOnThePublishersThread) {
    MemoryBroker broker;
    RecordingSubscriber subscriber;
    broker.subscribe("CH1", subscriber);
    broker.publish("CH1", payload("now"));
    // No executor, no wait: it is there when publish returns.
    EXPECT_EQ(subscriber.events().size(), 1U);
}

// A subscriber that takes a lock of its own which the publisher already holds would deadlock if
// the broker delivered under its own mutex while another thread subscribed under that lock.
TEST(MemoryBroker, DoesNotHoldItsLockWhileCallingASubscriber) {
    MemoryBroker broker;
    class Resubscriber final : public BrokerSubscriber {
    public:
        explicit Resubscriber(MemoryBroker& broker) : broker_(broker) {}
        void onBrokerEvent(std::string_view, const Payload&) override {
            // From another thread, as a hub's io thread would while this delivery runs.
            std::thread other{[this] { broker_.subscribe("CH2", *this); }};
            other.join();
            ++calls;
        }
        int calls = 0;

    private:
        MemoryBroker& broker_;
    };
    Resubscriber subscriber{broker};
    broker.subscribe("CH1", subscriber);
    broker.publish("CH1", payload("x"));
    EXPECT_EQ(subscriber.calls, 1);
    broker.publish("CH2", payload("y"));
    EXPECT_EQ(subscriber.calls, 2);
}

TEST(MemoryBroker, ConcurrentPublishersAndSubscriptionChangesAreSafe) {
    MemoryBroker broker;
    class Counter final : public BrokerSubscriber {
    public:
        void onBrokerEvent(std::string_view, const Payload&) override {
            count.fetch_add(1, std::memory_order_relaxed);
        }
        std::atomic<int> count{0};
    };
    Counter steady;
    Counter churning;
    broker.subscribe("CH1", steady);
    constexpr int kPerThread = 2000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&broker] {
            for (int i = 0; i < kPerThread; ++i) {
                broker.publish("CH1", std::make_shared<const std::string>("m"));
            }
        });
    }
    threads.emplace_back([&broker, &churning] {
        for (int i = 0; i < kPerThread; ++i) {
            broker.subscribe("CH1", churning);
            broker.unsubscribe("CH1", churning);
        }
    });
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(steady.count.load(), 2 * kPerThread);
    EXPECT_LE(churning.count.load(), 2 * kPerThread);
}

} // namespace
} // namespace parley::server
