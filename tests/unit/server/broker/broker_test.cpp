// The Broker contract (src/server/broker/broker.hpp), as one typed suite that every broker must
// pass: the memory broker and the Redis broker (over a redis-server of the test's own). Delivery is
// asynchronous, so every expectation waits for events with a deadline; a missing event fails at the
// deadline, it never hangs the suite.

#include "redis_server.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/broker/redis_broker.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace parley::server {
namespace {

using namespace std::chrono_literals;
constexpr auto kDeadline = 10s;

struct Received {
    std::string topic;
    ChannelEvent event;
    std::thread::id thread;
    int policy; // the delivering thread's scheduling policy
};

// Records every event it is handed and lets a test wait for a count.
class RecordingSubscriber : public BrokerSubscriber {
public:
    void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override {
        {
            const std::lock_guard lock{mutex_};
            received_.push_back(
                {std::string{topic}, event, std::this_thread::get_id(), sched_getscheduler(0)});
        }
        changed_.notify_all();
    }
    /// Waits until at least `count` events have arrived; false at the deadline.
    bool waitFor(std::size_t count) {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, kDeadline, [&] { return received_.size() >= count; });
    }
    std::vector<Received> received() const {
        const std::lock_guard lock{mutex_};
        return received_;
    }
    std::vector<std::string> frames(std::string_view topic = {}) const {
        std::vector<std::string> out;
        for (const Received& item : received()) {
            if (topic.empty() || item.topic == topic) {
                out.push_back(*item.event.frame);
            }
        }
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Received> received_;
};

ChannelEvent message(std::string_view channel, std::int64_t index, std::string text) {
    return ChannelEvent{.kind = ChannelEvent::Kind::kMessage,
                        .channel = std::string{channel},
                        .identity = "alice",
                        .index = index,
                        .frame = std::make_shared<const std::string>(std::move(text))};
}

struct MemoryFactory {
    static std::unique_ptr<Broker> make() { return std::make_unique<MemoryBroker>(); }
};

struct RedisFactory {
    static std::unique_ptr<Broker> make() {
        return std::make_unique<RedisBroker>(
            RedisOptions{.port = test::RedisServer::shared().port()});
    }
};

template <typename Factory> class BrokerTest : public ::testing::Test {
protected:
    // Subscribers live in the fixture: the contract lets them go only after shutdown().
    void TearDown() override { broker_->shutdown(); }
    Broker& broker() { return *broker_; }
    template <typename Subscriber, typename... Args> Subscriber& make(Args&&... args) {
        auto owned = std::make_unique<Subscriber>(std::forward<Args>(args)...);
        Subscriber& subscriber = *owned;
        subscribers_.push_back(std::move(owned));
        return subscriber;
    }

private:
    std::vector<std::unique_ptr<BrokerSubscriber>> subscribers_;
    std::unique_ptr<Broker> broker_ = Factory::make();
};

struct BrokerNames {
    template <typename Factory> static std::string GetName(int /*index*/) {
        return std::is_same_v<Factory, MemoryFactory> ? "Memory" : "Redis";
    }
};

using Implementations = ::testing::Types<MemoryFactory, RedisFactory>;
TYPED_TEST_SUITE(BrokerTest, Implementations, BrokerNames);

TYPED_TEST(BrokerTest, DeliversTheEventWithItsTopicAndEveryField) {
    auto& subscriber = this->template make<RecordingSubscriber>();
    this->broker().subscribe(channelTopic("CH1"), subscriber);
    this->broker().publish(channelTopic("CH1"),
                           ChannelEvent{.kind = ChannelEvent::Kind::kMemberLeft,
                                        .channel = "CH1",
                                        .identity = "bob",
                                        .index = -1,
                                        .frame = std::make_shared<const std::string>("left")});
    ASSERT_TRUE(subscriber.waitFor(1));
    const Received got = subscriber.received().front();
    EXPECT_EQ(got.topic, channelTopic("CH1"));
    EXPECT_EQ(got.event.kind, ChannelEvent::Kind::kMemberLeft);
    EXPECT_EQ(got.event.channel, "CH1");
    EXPECT_EQ(got.event.identity, "bob");
    EXPECT_EQ(*got.event.frame, "left");
}

// The delivering thread yields to the io threads when it wakes (server/thread_policy.hpp).
TYPED_TEST(BrokerTest, DeliversOnABackgroundThread) {
    auto& subscriber = this->template make<RecordingSubscriber>();
    this->broker().subscribe(channelTopic("CH1"), subscriber);
    this->broker().publish(channelTopic("CH1"), message("CH1", 1, "m1"));
    ASSERT_TRUE(subscriber.waitFor(1));
    EXPECT_EQ(subscriber.received().front().policy, SCHED_BATCH);
}

TYPED_TEST(BrokerTest, DeliversOnlyTheTopicsSubscribedTo) {
    auto& one = this->template make<RecordingSubscriber>();
    auto& two = this->template make<RecordingSubscriber>();
    this->broker().subscribe("a", one);
    this->broker().subscribe("b", two);
    this->broker().publish("a", message("CHa", 0, "for one"));
    this->broker().publish("b", message("CHb", 0, "for two"));
    this->broker().publish("c", message("CHc", 0, "for nobody"));
    ASSERT_TRUE(one.waitFor(1));
    ASSERT_TRUE(two.waitFor(1));
    this->broker().publish("a", message("CHa", 1, "barrier"));
    ASSERT_TRUE(one.waitFor(2));
    EXPECT_EQ(one.frames(), (std::vector<std::string>{"for one", "barrier"}));
    EXPECT_EQ(two.frames(), (std::vector<std::string>{"for two"}));
}

// publishAll is the chat service's hand-over of a group commit: as many publishes, in order.
TYPED_TEST(BrokerTest, PublishAllDeliversEveryEventInOrderAsPublishWould) {
    auto& subscriber = this->template make<RecordingSubscriber>();
    this->broker().subscribe("a", subscriber);
    this->broker().publish("a", message("CH1", 0, "m0"));
    std::vector<ChannelEvent> batch;
    for (int i = 1; i <= 3; ++i) {
        batch.push_back(message("CH1", i, "m" + std::to_string(i)));
    }
    this->broker().publishAll("a", std::move(batch));
    this->broker().publishAll("a", {});
    this->broker().publish("a", message("CH1", 4, "m4"));
    ASSERT_TRUE(subscriber.waitFor(5));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
}

TYPED_TEST(BrokerTest, SubscribingTwiceDeliversOnce) {
    auto& subscriber = this->template make<RecordingSubscriber>();
    this->broker().subscribe("a", subscriber);
    this->broker().subscribe("a", subscriber);
    this->broker().publish("a", message("CH1", 0, "once"));
    this->broker().publish("a", message("CH1", 1, "barrier"));
    ASSERT_TRUE(subscriber.waitFor(2));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"once", "barrier"}));
}

TYPED_TEST(BrokerTest, NothingPublishedAfterUnsubscribeIsDelivered) {
    auto& leaving = this->template make<RecordingSubscriber>();
    auto& probe = this->template make<RecordingSubscriber>();
    this->broker().subscribe("a", leaving);
    this->broker().subscribe("a", probe);
    this->broker().publish("a", message("CH1", 0, "before"));
    ASSERT_TRUE(leaving.waitFor(1));
    this->broker().unsubscribe("a", leaving);
    this->broker().publish("a", message("CH1", 1, "after"));
    ASSERT_TRUE(probe.waitFor(2)); // the probe has it, so the broker has handled it
    EXPECT_EQ(leaving.frames(), (std::vector<std::string>{"before"}));
}

TYPED_TEST(BrokerTest, UnsubscribingWhatWasNeverSubscribedAndPublishingToNobodyAreHarmless) {
    auto& subscriber = this->template make<RecordingSubscriber>();
    this->broker().unsubscribe("a", subscriber);
    this->broker().publish("nobody", message("CH1", 0, "lost"));
    this->broker().subscribe("a", subscriber);
    this->broker().publish("a", message("CH1", 1, "seen"));
    ASSERT_TRUE(subscriber.waitFor(1));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"seen"}));
}

TYPED_TEST(BrokerTest, NeverCallsASubscriberInsideOrOnTheThreadOfPublish) {
    class Blocking final : public RecordingSubscriber {
    public:
        void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override {
            // Held until the publisher has returned: an inline delivery would time out here.
            returned_in_time = published.wait_for(kDeadline) == std::future_status::ready;
            RecordingSubscriber::onBrokerEvent(topic, event);
        }
        std::shared_future<void> published;
        std::atomic<bool> returned_in_time{false};
    };
    std::promise<void> publish_returned;
    auto& subscriber = this->template make<Blocking>();
    subscriber.published = publish_returned.get_future().share();
    this->broker().subscribe("a", subscriber);
    this->broker().publish("a", message("CH1", 0, "later"));
    publish_returned.set_value();
    ASSERT_TRUE(subscriber.waitFor(1));
    EXPECT_TRUE(subscriber.returned_in_time.load());
    EXPECT_NE(subscriber.received().front().thread, std::this_thread::get_id());
}

TYPED_TEST(BrokerTest, KeepsPublishOrderPerTopicUnderConcurrentPublishers) {
    constexpr int kTopics = 4;
    constexpr int kPerTopic = 500;
    auto& subscriber = this->template make<RecordingSubscriber>();
    for (int topic = 0; topic < kTopics; ++topic) {
        this->broker().subscribe(channelTopic("CH" + std::to_string(topic)), subscriber);
    }
    std::vector<std::thread> publishers;
    for (int topic = 0; topic < kTopics; ++topic) {
        publishers.emplace_back([this, topic] {
            const std::string channel = "CH" + std::to_string(topic);
            for (int index = 0; index < kPerTopic; ++index) {
                this->broker().publish(channelTopic(channel),
                                       message(channel, index, std::to_string(index)));
            }
        });
    }
    for (auto& publisher : publishers) {
        publisher.join();
    }
    ASSERT_TRUE(subscriber.waitFor(kTopics * kPerTopic));
    for (int topic = 0; topic < kTopics; ++topic) {
        std::vector<std::int64_t> indexes;
        for (const Received& item : subscriber.received()) {
            if (item.event.channel == "CH" + std::to_string(topic)) {
                indexes.push_back(item.event.index);
            }
        }
        ASSERT_EQ(indexes.size(), static_cast<std::size_t>(kPerTopic));
        for (int index = 0; index < kPerTopic; ++index) {
            ASSERT_EQ(indexes[static_cast<std::size_t>(index)], index) << "topic " << topic;
        }
    }
}

TYPED_TEST(BrokerTest, ASubscribersCallbacksNeverOverlap) {
    class Overlap final : public RecordingSubscriber {
    public:
        void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override {
            if (inside.fetch_add(1) != 0) {
                overlapped = true;
            }
            std::this_thread::yield();
            inside.fetch_sub(1);
            RecordingSubscriber::onBrokerEvent(topic, event);
        }
        std::atomic<int> inside{0};
        std::atomic<bool> overlapped{false};
    };
    auto& subscriber = this->template make<Overlap>();
    this->broker().subscribe("a", subscriber);
    this->broker().subscribe("b", subscriber);
    std::thread other{[this] {
        for (int i = 0; i < 300; ++i) {
            this->broker().publish("b", message("CHb", i, "b"));
        }
    }};
    for (int i = 0; i < 300; ++i) {
        this->broker().publish("a", message("CHa", i, "a"));
    }
    other.join();
    ASSERT_TRUE(subscriber.waitFor(600));
    EXPECT_FALSE(subscriber.overlapped.load());
}

// A hub subscribes to a channel when a member joins, from inside its own callback.
TYPED_TEST(BrokerTest, ASubscriberMaySubscribeAndUnsubscribeFromItsCallback) {
    class Resubscriber final : public RecordingSubscriber {
    public:
        explicit Resubscriber(Broker& broker) : broker_(broker) {}
        void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override {
            if (topic == "a") {
                broker_.subscribe("b", *this);
                broker_.unsubscribe("a", *this);
            }
            RecordingSubscriber::onBrokerEvent(topic, event);
        }

    private:
        Broker& broker_;
    };
    auto& subscriber = this->template make<Resubscriber>(this->broker());
    this->broker().subscribe("a", subscriber);
    this->broker().publish("a", message("CH1", 0, "switch"));
    ASSERT_TRUE(subscriber.waitFor(1));
    this->broker().publish("a", message("CH1", 1, "gone"));
    this->broker().publish("b", message("CH2", 0, "new"));
    ASSERT_TRUE(subscriber.waitFor(2));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"switch", "new"}));
}

// Subscriptions that come and go while two publishers run: the steady subscriber gets every
// event, and the churning one gets each publisher's events in order, none twice.
TYPED_TEST(BrokerTest, ChurningSubscriptionsLoseNothingForOthersAndNeverReorder) {
    constexpr int kPerThread = 2000;
    auto& steady = this->template make<RecordingSubscriber>();
    auto& churning = this->template make<RecordingSubscriber>();
    this->broker().subscribe("a", steady);
    std::vector<std::thread> threads;
    for (int publisher = 0; publisher < 2; ++publisher) {
        threads.emplace_back([this, publisher] {
            for (int i = 0; i < kPerThread; ++i) {
                this->broker().publish("a", message("CH" + std::to_string(publisher), i, "m"));
            }
        });
    }
    threads.emplace_back([this, &churning] {
        for (int i = 0; i < kPerThread; ++i) {
            this->broker().subscribe("a", churning);
            this->broker().unsubscribe("a", churning);
        }
    });
    for (std::thread& thread : threads) {
        thread.join();
    }
    ASSERT_TRUE(steady.waitFor(2 * kPerThread));
    std::int64_t last[2] = {-1, -1};
    for (const Received& item : churning.received()) {
        const auto publisher = static_cast<std::size_t>(item.event.channel.back() - '0');
        EXPECT_GT(item.event.index, last[publisher]);
        last[publisher] = item.event.index;
    }
}

TYPED_TEST(BrokerTest, ShutdownWaitsForTheCallbackInProgressAndStopsDelivery) {
    class Slow final : public RecordingSubscriber {
    public:
        void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override {
            started.set_value();
            std::this_thread::sleep_for(50ms); // a callback still running when shutdown comes
            RecordingSubscriber::onBrokerEvent(topic, event);
        }
        std::promise<void> started;
    };
    auto& subscriber = this->template make<Slow>();
    this->broker().subscribe("a", subscriber);
    this->broker().publish("a", message("CH1", 0, "first"));
    ASSERT_EQ(subscriber.started.get_future().wait_for(kDeadline), std::future_status::ready);
    this->broker().shutdown();
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"first"}));
    this->broker().publish("a", message("CH1", 1, "after shutdown"));
    this->broker().shutdown(); // idempotent
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"first"}));
}

TEST(BrokerTopics, ChannelAndIdentityTopicsNeverCollide) {
    EXPECT_NE(channelTopic("alice"), identityTopic("alice"));
    EXPECT_TRUE(isIdentityTopic(identityTopic("CH1")));
    EXPECT_FALSE(isIdentityTopic(channelTopic("identity:x")));
}

} // namespace
} // namespace parley::server
