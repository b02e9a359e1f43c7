// What the Redis broker does beyond the typed Broker suite: losing Redis and coming back,
// saying so in health(), and dropping bytes on a topic that are not an event.

#include "redis_server.hpp"
#include "server/broker/redis_broker.hpp"
#include "server/broker/redis_codec.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::server {
namespace {

using namespace std::chrono_literals;
using parley::testing::waitUntil;
constexpr auto kDeadline = 20s;

class Recorder final : public BrokerSubscriber {
public:
    void onBrokerEvent(std::string_view /*topic*/, const ChannelEvent& event) override {
        const std::lock_guard lock{mutex_};
        frames_.push_back(*event.frame);
        changed_.notify_all();
    }
    void onBrokerGap(std::string_view topic) override {
        const std::lock_guard lock{mutex_};
        gaps_.emplace_back(topic);
        changed_.notify_all();
    }
    bool waitForFrames(std::size_t count) {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, kDeadline, [&] { return frames_.size() >= count; });
    }
    bool waitForGaps(std::size_t count) {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, kDeadline, [&] { return gaps_.size() >= count; });
    }
    std::vector<std::string> frames() const {
        const std::lock_guard lock{mutex_};
        return frames_;
    }
    std::vector<std::string> gaps() const {
        const std::lock_guard lock{mutex_};
        return gaps_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> frames_;
    std::vector<std::string> gaps_;
};

ChannelEvent message(std::int64_t index, std::string text) {
    return ChannelEvent{.kind = ChannelEvent::Kind::kMessage,
                        .channel = "CH1",
                        .identity = "alice",
                        .index = index,
                        .frame = std::make_shared<const std::string>(std::move(text))};
}

RedisOptions optionsFor(const test::RedisServer& server) {
    return RedisOptions{.port = server.port(), .reconnect_delay = 20ms};
}

TEST(RedisBroker, AfterRedisRestartsItResubscribesReportsTheGapAndDeliversAgain) {
    test::RedisServer server;
    Recorder subscriber;
    RedisBroker broker{optionsFor(server)};
    broker.subscribe(channelTopic("CH1"), subscriber);
    broker.publish(channelTopic("CH1"), message(0, "before"));
    ASSERT_TRUE(subscriber.waitForFrames(1));
    const std::vector<std::string> subscribed{channelTopic("CH1")};
    EXPECT_EQ(subscriber.gaps(), subscribed) << "the subscription's own gap, once";

    server.stop();
    ASSERT_TRUE(waitUntil([&] { return broker.health().ends_with("unreachable"); }, kDeadline));
    broker.publish(channelTopic("CH1"), message(1, "while down")); // queued, sent on return
    server.start();

    ASSERT_TRUE(subscriber.waitForGaps(2));
    EXPECT_EQ(subscriber.gaps(),
              (std::vector<std::string>{channelTopic("CH1"), channelTopic("CH1")}))
        << "one gap for the outage";
    broker.publish(channelTopic("CH1"), message(2, "after"));
    ASSERT_TRUE(subscriber.waitForFrames(3));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"before", "while down", "after"}));
    EXPECT_TRUE(broker.health().ends_with("connected"));
    broker.shutdown();
}

TEST(RedisBroker, StartsBeforeRedisAndConnectsWhenItComes) {
    test::RedisServer server;
    server.stop();
    Recorder subscriber;
    RedisBroker broker{optionsFor(server)};
    broker.subscribe(channelTopic("CH1"), subscriber);
    broker.publish(channelTopic("CH1"), message(0, "queued"));
    EXPECT_TRUE(broker.health().ends_with("unreachable"));
    server.start();
    ASSERT_TRUE(subscriber.waitForFrames(1));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"queued"}));
    // The subscription took effect only on connecting: others' events before it were missed.
    EXPECT_EQ(subscriber.gaps(), (std::vector<std::string>{channelTopic("CH1")}));
    broker.shutdown();
}

// What another node publishes between subscribe() and Redis's confirmation never arrives here,
// so each new subscription is reported as a gap once confirmed, and only then: a subscriber that
// reads the store after it has everything. A topic subscribed already reports nothing more.
TEST(RedisBroker, ANewSubscriptionIsAGapOnceRedisHasConfirmedIt) {
    auto& server = test::RedisServer::shared();
    Recorder first;
    Recorder second;
    RedisBroker broker{optionsFor(server)};
    broker.subscribe(channelTopic("CH1"), first);
    ASSERT_TRUE(first.waitForGaps(1));
    broker.subscribe(channelTopic("CH2"), second);
    ASSERT_TRUE(second.waitForGaps(1));
    EXPECT_EQ(second.gaps(), (std::vector<std::string>{channelTopic("CH2")}));
    broker.subscribe(channelTopic("CH1"), second); // Redis is subscribed already: no SUBSCRIBE
    broker.publish(channelTopic("CH1"), message(0, "m"));
    ASSERT_TRUE(second.waitForFrames(1));
    EXPECT_EQ(second.gaps(), (std::vector<std::string>{channelTopic("CH2")}));
    EXPECT_EQ(first.gaps(), (std::vector<std::string>{channelTopic("CH1")}));
    broker.shutdown();
}

// Anyone who can reach Redis can publish; bytes that are not an event are dropped, and the
// events after them still arrive.
TEST(RedisBroker, DropsBytesThatAreNotAnEvent) {
    auto& server = test::RedisServer::shared();
    Recorder subscriber;
    RedisBroker broker{optionsFor(server)};
    broker.subscribe(channelTopic("CH1"), subscriber);
    broker.publish(channelTopic("CH1"), message(0, "first"));
    ASSERT_TRUE(subscriber.waitForFrames(1)); // the subscription is in place
    const timeval timeout{.tv_sec = 5, .tv_usec = 0};
    redisContext* foreign = redisConnectWithTimeout("127.0.0.1", server.port(), timeout);
    ASSERT_TRUE(foreign != nullptr && foreign->err == 0);
    const std::string topic = channelTopic("CH1");
    const std::string truncated = encodeEvent(message(1, "cut")).substr(0, 10);
    for (const std::string& bytes : {std::string{"garbage"}, truncated}) {
        auto* reply = static_cast<redisReply*>(redisCommand(
            foreign, "PUBLISH %b %b", topic.data(), topic.size(), bytes.data(), bytes.size()));
        ASSERT_NE(reply, nullptr);
        freeReplyObject(reply);
    }
    redisFree(foreign);
    broker.publish(topic, message(2, "good"));
    ASSERT_TRUE(subscriber.waitForFrames(2));
    EXPECT_EQ(subscriber.frames(), (std::vector<std::string>{"first", "good"}));
    broker.shutdown();
}

} // namespace
} // namespace parley::server
