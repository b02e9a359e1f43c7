#pragma once

// A hub over a MemoryBroker that logs subscriptions and publishes what the chat service would,
// with sessions that record what reaches them: the fixture of hub_test.cpp and
// hub_membership_test.cpp.

#include "broker_barrier.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/hub.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley::server::hub_fixture {

inline Payload payload(std::string text) {
    return std::make_shared<const std::string>(std::move(text));
}

// The seam a hub writes to: records what it was given instead of sending it anywhere.
class RecordingSink final : public SessionSink {
public:
    void deliver(const Payload& payload) override {
        const std::lock_guard lock{mutex_};
        payloads_.push_back(payload);
    }
    void close(protocol::CloseCode code) override {
        const std::lock_guard lock{mutex_};
        closes_.push_back(code);
    }

    std::vector<std::string> frames() const {
        const std::lock_guard lock{mutex_};
        std::vector<std::string> out;
        for (const Payload& payload : payloads_) {
            out.push_back(*payload);
        }
        return out;
    }
    std::vector<Payload> payloads() const {
        const std::lock_guard lock{mutex_};
        return payloads_;
    }
    std::vector<protocol::CloseCode> closes() const {
        const std::lock_guard lock{mutex_};
        return closes_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<Payload> payloads_;
    std::vector<protocol::CloseCode> closes_;
};

// The broker seam: a MemoryBroker that also logs the channel subscriptions it is asked for, and
// test helpers that publish what the chat service would and wait until it has been delivered.
class RecordingBroker final : public Broker {
public:
    RecordingBroker() = default;
    ~RecordingBroker() override { inner_.shutdown(); }
    RecordingBroker(const RecordingBroker&) = delete;
    RecordingBroker& operator=(const RecordingBroker&) = delete;

    void subscribe(std::string_view topic, BrokerSubscriber& subscriber) override {
        record("subscribe", topic);
        inner_.subscribe(topic, subscriber);
    }
    void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) override {
        record("unsubscribe", topic);
        inner_.unsubscribe(topic, subscriber);
    }
    void publish(std::string_view topic, ChannelEvent event) override {
        inner_.publish(topic, std::move(event));
    }
    void shutdown() override { inner_.shutdown(); }

    /// A message event of `channel` whose frame is `payload`, delivered before this returns.
    void publishMessage(std::string_view channel, const Payload& payload) {
        publish(channelTopic(channel), ChannelEvent{.kind = ChannelEvent::Kind::kMessage,
                                                    .channel = std::string{channel},
                                                    .identity = "author",
                                                    .index = 0,
                                                    .frame = payload});
        settle();
    }
    /// What ChatService publishes for a join or a leave, delivered before this returns.
    void memberJoined(std::string_view channel, std::string_view identity) {
        membership(ChannelEvent::Kind::kMemberJoined, channel, identity);
    }
    void memberLeft(std::string_view channel, std::string_view identity) {
        membership(ChannelEvent::Kind::kMemberLeft, channel, identity);
    }

    /// Channel subscriptions, as "subscribe CH1".
    std::vector<std::string> calls;
    /// Identity subscriptions, as "subscribe alice".
    std::vector<std::string> identity_calls;

private:
    void record(std::string_view verb, std::string_view topic) {
        const std::lock_guard lock{mutex_};
        if (isIdentityTopic(topic)) {
            identity_calls.push_back(std::string{verb} + " " +
                                     std::string{topic.substr(identityTopic("").size())});
        } else if (topic != BrokerBarrier::kTopic) {
            calls.push_back(std::string{verb} + " " +
                            std::string{topic.substr(channelTopic("").size())});
        }
    }
    void membership(ChannelEvent::Kind kind, std::string_view channel, std::string_view identity) {
        const ChannelEvent event{
            .kind = kind,
            .channel = std::string{channel},
            .identity = std::string{identity},
            .frame = payload(
                std::string{kind == ChannelEvent::Kind::kMemberJoined ? "joined " : "left "} +
                std::string{identity})};
        publish(identityTopic(identity), event);
        publish(channelTopic(channel), event);
        settle();
    }
    void settle() { barrier_.settle(); }

    std::mutex mutex_;
    MemoryBroker inner_;
    BrokerBarrier barrier_{inner_};
};

using Calls = std::vector<std::string>;
using Frames = std::vector<std::string>;

constexpr std::size_t kNoLimit = 100;

// Channels as a session's store read gives them, for a hub without a Backfill (which starts
// delivery at once, whatever the next index).
inline std::vector<MemberChannel> memberChannels(const std::vector<std::string>& sids) {
    std::vector<MemberChannel> channels;
    for (const std::string& sid : sids) {
        channels.push_back(MemberChannel{.sid = sid});
    }
    return channels;
}

// A session attached as init does: attach, then the channels read from the store.
inline bool attachTo(Hub& hub, const std::string& identity,
                     const std::shared_ptr<SessionSink>& session,
                     const std::vector<std::string>& channels, std::size_t limit) {
    if (!hub.attach(identity, session, limit)) {
        return false;
    }
    hub.addChannels(identity, memberChannels(channels));
    return true;
}

class HubTest : public ::testing::Test {
protected:
    std::shared_ptr<RecordingSink> sink() { return std::make_shared<RecordingSink>(); }
    bool attach(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                const std::vector<std::string>& channels, std::size_t limit) {
        return attachTo(hub_, identity, session, channels, limit);
    }

    RecordingBroker broker_;
    Hub hub_{broker_};
};

} // namespace parley::server::hub_fixture
