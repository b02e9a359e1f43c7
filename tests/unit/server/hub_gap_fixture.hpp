#pragma once

// Nodes as the server wires them over a broker that may lose events: a broker, store workers, a
// Backfill and a hub, around one store that every node shares. Tests append messages to the
// store and publish (or, to make a gap, do not publish) their events as the chat service would.

#include "hub_fixture.hpp"
#include "protocol/events.hpp"
#include "server/backfill.hpp"
#include "server/hub.hpp"
#include "server/store_workers.hpp"
#include "server/wire_objects.hpp"
#include "temp_sqlite_store.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::server::hub_gaps {

using hub_fixture::RecordingSink;
using namespace std::chrono_literals;

using parley::testing::waitUntil;
// Long enough for a broker to reconnect to a restarted Redis on a loaded machine.
constexpr auto kWait = 20s;

// A broker as it is, that also lets a test wait until the hub has subscribed to a topic (at once
// when the session's channels say where delivery starts, else once it has read the channel's
// newest index) or unsubscribed from one.
class WatchedBroker final : public Broker {
public:
    explicit WatchedBroker(std::unique_ptr<Broker> inner) : inner_(std::move(inner)) {}
    void subscribe(std::string_view topic, BrokerSubscriber& subscriber) override {
        inner_->subscribe(topic, subscriber);
        const std::lock_guard lock{mutex_};
        subscribed_.emplace_back(topic);
    }
    void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) override {
        inner_->unsubscribe(topic, subscriber);
        const std::lock_guard lock{mutex_};
        unsubscribed_.emplace_back(topic);
    }
    void publish(std::string_view topic, ChannelEvent event) override {
        inner_->publish(topic, std::move(event));
    }
    void shutdown() override { inner_->shutdown(); }
    bool mayLoseEvents() const override { return inner_->mayLoseEvents(); }
    std::string health() const override { return inner_->health(); }

    bool waitSubscribed(const std::string& topic) {
        return waitUntil(
            [&] {
                const std::lock_guard lock{mutex_};
                return std::find(subscribed_.begin(), subscribed_.end(), topic) !=
                       subscribed_.end();
            },
            kWait);
    }

    bool waitUnsubscribed(const std::string& topic) {
        return waitUntil(
            [&] {
                const std::lock_guard lock{mutex_};
                return std::find(unsubscribed_.begin(), unsubscribed_.end(), topic) !=
                       unsubscribed_.end();
            },
            kWait);
    }

private:
    std::unique_ptr<Broker> inner_;
    std::mutex mutex_;
    std::vector<std::string> subscribed_;
    std::vector<std::string> unsubscribed_;
};

struct Node {
    Node(Store& shared_store, std::unique_ptr<Broker> made)
        : store(shared_store), broker(std::make_unique<WatchedBroker>(std::move(made))),
          backfill(shared_store, workers), hub(*broker, &backfill) {}
    ~Node() {
        broker->shutdown();
        workers.stop();
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    /// Attaches a session of `identity`, a member of `channel` (in the store too: a broker gap
    /// replays membership from it), with its channels read from the store as init reads them,
    /// and waits until the hub has subscribed to the channel and read it from the index it
    /// starts at (so what a test stores next is not already in that read).
    void attach(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                const std::string& channel) {
        ASSERT_TRUE(store.addMember(channel, identity, UnixMillis{}).has_value());
        ASSERT_TRUE(hub.attach(identity, session, 10));
        const auto channels = store.channelsOf(identity);
        ASSERT_TRUE(channels.has_value());
        hub.addChannels(identity, *channels);
        ASSERT_TRUE(broker->waitSubscribed(channelTopic(channel)));
        waitForStoreReads();
    }

    /// The one store worker runs tasks in order: once this one ran, every read before it is done.
    void waitForStoreReads() {
        std::promise<void> done;
        workers.post([&done] { done.set_value(); });
        ASSERT_EQ(done.get_future().wait_for(kWait), std::future_status::ready);
    }

    Store& store;
    std::unique_ptr<WatchedBroker> broker;
    StoreWorkers workers{1};
    Backfill backfill;
    Hub hub;
};

class Chat {
public:
    explicit Chat(Store& store) : store_(store) {
        const auto channel = store_.createChannel(
            NewChannel{.sid = "CH00000000000000000000000000000001", .created_by = "alice"});
        EXPECT_TRUE(channel.has_value());
        sid = channel->sid;
    }
    /// Appends a message and returns its event, as the chat service publishes it.
    ChannelEvent append(const std::string& body) {
        const auto message = store_.appendMessage(NewMessage{.sid = "IM" + std::to_string(++made_),
                                                             .channel_sid = sid,
                                                             .author = "alice",
                                                             .body = body});
        EXPECT_TRUE(message.has_value());
        frames.push_back(protocol::messageEvent(toWire(*message)));
        return ChannelEvent{.kind = ChannelEvent::Kind::kMessage,
                            .channel = sid,
                            .identity = "alice",
                            .index = message->index,
                            .frame = std::make_shared<const std::string>(frames.back())};
    }
    void publish(Broker& broker, ChannelEvent event) {
        broker.publish(channelTopic(sid), std::move(event));
    }
    /// Every frame appended so far, in index order: what every member must get.
    std::vector<std::string> frames;
    std::string sid;

private:
    Store& store_;
    int made_ = 0;
};

inline ::testing::AssertionResult receives(const RecordingSink& sink,
                                           const std::vector<std::string>& frames) {
    const bool arrived = waitUntil([&] { return sink.frames().size() >= frames.size(); }, kWait);
    const std::vector<std::string> got = sink.frames();
    if (arrived && got == frames) {
        return ::testing::AssertionSuccess();
    }
    auto failure = ::testing::AssertionFailure()
                   << (arrived ? "" : "not all frames arrived before the deadline; ") << "got "
                   << got.size() << " frames:";
    for (const std::string& frame : got) {
        failure << "\n  " << frame.substr(0, 120);
    }
    return failure << "\nexpected " << frames.size();
}

} // namespace parley::server::hub_gaps
