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

namespace parley::server {
namespace {

Payload payload(std::string text) {
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

// A session attached as init does: attach, then the channels read from the store.
bool attachTo(Hub& hub, const std::string& identity, const std::shared_ptr<SessionSink>& session,
              const std::vector<std::string>& channels, std::size_t limit) {
    if (!hub.attach(identity, session, limit)) {
        return false;
    }
    hub.addChannels(identity, channels);
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

// ---- attach / detach and delivery ----

TEST_F(HubTest, DeliversAChannelEventToAnAttachedMember) {
    const auto alice = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    broker_.publishMessage("CH1", payload("hello"));
    EXPECT_EQ(alice->frames(), (Frames{"hello"}));
}

TEST_F(HubTest, EventsReachOnlySessionsOfMemberIdentities) {
    const auto alice = sink();
    const auto bob = sink();
    const auto carol = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", bob, {"CH2"}, kNoLimit));
    ASSERT_TRUE(attach("carol", carol, {"CH1", "CH2"}, kNoLimit));

    broker_.publishMessage("CH1", payload("one"));
    broker_.publishMessage("CH2", payload("two"));
    broker_.publishMessage("CH3", payload("three"));

    EXPECT_EQ(alice->frames(), (Frames{"one"}));
    EXPECT_EQ(bob->frames(), (Frames{"two"}));
    EXPECT_EQ(carol->frames(), (Frames{"one", "two"}));
}

TEST_F(HubTest, EverySessionOfAnIdentityGetsTheSamePayload) {
    const auto phone = sink();
    const auto laptop = sink();
    ASSERT_TRUE(attach("alice", phone, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("alice", laptop, {}, kNoLimit));
    const Payload event = payload("hello");
    broker_.publishMessage("CH1", event);
    ASSERT_EQ(phone->payloads().size(), 1U);
    ASSERT_EQ(laptop->payloads().size(), 1U);
    // Shared, not copied per session.
    EXPECT_EQ(phone->payloads().front().get(), event.get());
    EXPECT_EQ(laptop->payloads().front().get(), event.get());
}

TEST_F(HubTest, AnEventForATopicWithNoLocalMembersIsIgnored) {
    const auto alice = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    hub_.onBrokerEvent(channelTopic("CH9"), ChannelEvent{.kind = ChannelEvent::Kind::kMessage,
                                                         .channel = "CH9",
                                                         .frame = payload("stray")});
    EXPECT_TRUE(alice->frames().empty());
}

TEST_F(HubTest, ADetachedSessionGetsNothingMore) {
    const auto alice = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    hub_.detach("alice", alice.get());
    broker_.publishMessage("CH1", payload("late"));
    EXPECT_TRUE(alice->frames().empty());
    EXPECT_EQ(hub_.sessionCount(), 0U);
}

TEST_F(HubTest, DetachingOneSessionKeepsTheIdentitysOtherSessions) {
    const auto phone = sink();
    const auto laptop = sink();
    ASSERT_TRUE(attach("alice", phone, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("alice", laptop, {"CH1"}, kNoLimit));
    hub_.detach("alice", phone.get());
    broker_.publishMessage("CH1", payload("still here"));
    EXPECT_TRUE(phone->frames().empty());
    EXPECT_EQ(laptop->frames(), (Frames{"still here"}));
    EXPECT_EQ(hub_.sessionCount(), 1U);
}

TEST_F(HubTest, DetachWithAnUnknownIdentityOrSessionChangesNothing) {
    const auto alice = sink();
    const auto stranger = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    hub_.detach("nobody", alice.get());
    hub_.detach("alice", stranger.get());
    hub_.detach("bob", stranger.get());
    EXPECT_EQ(hub_.sessionCount(), 1U);
    broker_.publishMessage("CH1", payload("x"));
    EXPECT_EQ(alice->frames(), (Frames{"x"}));
}

TEST_F(HubTest, SessionCountCountsAttachedSessions) {
    EXPECT_EQ(hub_.sessionCount(), 0U);
    const auto a1 = sink();
    const auto a2 = sink();
    const auto b1 = sink();
    ASSERT_TRUE(attach("alice", a1, {}, kNoLimit));
    ASSERT_TRUE(attach("alice", a2, {}, kNoLimit));
    ASSERT_TRUE(attach("bob", b1, {}, kNoLimit));
    EXPECT_EQ(hub_.sessionCount(), 3U);
    hub_.detach("alice", a1.get());
    hub_.detach("bob", b1.get());
    EXPECT_EQ(hub_.sessionCount(), 1U);
}

// ---- per-identity limit ----

TEST_F(HubTest, RefusesASessionBeyondThePerIdentityLimit) {
    const auto first = sink();
    const auto second = sink();
    const auto third = sink();
    ASSERT_TRUE(attach("alice", first, {"CH1"}, 2));
    ASSERT_TRUE(attach("alice", second, {"CH1"}, 2));
    EXPECT_FALSE(attach("alice", third, {"CH1"}, 2));
    EXPECT_EQ(hub_.sessionCount(), 2U);
    broker_.publishMessage("CH1", payload("x"));
    EXPECT_TRUE(third->frames().empty());
    EXPECT_EQ(first->frames().size(), 1U);
}

TEST_F(HubTest, TheLimitIsPerIdentity) {
    ASSERT_TRUE(attach("alice", sink(), {}, 1));
    const auto bob = sink();
    EXPECT_TRUE(attach("bob", bob, {}, 1));
}

TEST_F(HubTest, ASlotFreedByDetachCanBeTakenAgain) {
    const auto first = sink();
    const auto second = sink();
    ASSERT_TRUE(attach("alice", first, {}, 1));
    ASSERT_FALSE(attach("alice", second, {}, 1));
    hub_.detach("alice", first.get());
    EXPECT_TRUE(attach("alice", second, {}, 1));
}

TEST_F(HubTest, ASessionThatNoLongerExistsDoesNotHoldASlot) {
    auto first = sink();
    ASSERT_TRUE(attach("alice", first, {}, 1));
    first.reset(); // gone without detach
    const auto second = sink();
    EXPECT_TRUE(attach("alice", second, {}, 1));
}

TEST_F(HubTest, SessionCountForgetsASessionThatWentAwayWithoutDetach) {
    auto first = sink();
    ASSERT_TRUE(attach("alice", first, {}, 1));
    first.reset();
    const auto second = sink();
    ASSERT_TRUE(attach("alice", second, {}, 1));
    EXPECT_EQ(hub_.sessionCount(), 1U);
    hub_.detach("alice", second.get());
    EXPECT_EQ(hub_.sessionCount(), 0U);
}

TEST_F(HubTest, ARefusedAttachRegistersNothing) {
    ASSERT_FALSE(attach("alice", sink(), {}, 0));
    broker_.calls.clear();
    // With a limit of zero nothing was registered, so a membership change for alice is not hers
    // to hear on this node.
    broker_.memberJoined("CH1", "alice");
    EXPECT_TRUE(broker_.calls.empty());
    EXPECT_EQ(hub_.sessionCount(), 0U);

    const auto kept = sink();
    ASSERT_TRUE(attach("bob", kept, {"CH1"}, 1));
    broker_.calls.clear();
    EXPECT_FALSE(attach("bob", sink(), {"CH2"}, 1));
    EXPECT_TRUE(broker_.calls.empty()) << "refused attach subscribed " << broker_.calls.front();
}

// ---- membership changes ----

TEST_F(HubTest, MemberAddedStartsDeliveryToAConnectedIdentity) {
    const auto alice = sink();
    ASSERT_TRUE(attach("alice", alice, {}, kNoLimit));
    broker_.publishMessage("CH1", payload("before"));
    broker_.memberJoined("CH1", "alice");
    broker_.publishMessage("CH1", payload("after"));
    EXPECT_EQ(alice->frames(), (Frames{"joined alice", "after"}));
}

TEST_F(HubTest, MemberAddedForAnIdentityNotConnectedHereSubscribesNothing) {
    broker_.memberJoined("CH1", "ghost");
    EXPECT_TRUE(broker_.calls.empty());
    // And a later session of that identity hears only the channels it attaches with.
    const auto ghost = sink();
    ASSERT_TRUE(attach("ghost", ghost, {}, kNoLimit));
    broker_.publishMessage("CH1", payload("x"));
    EXPECT_TRUE(ghost->frames().empty());
}

TEST_F(HubTest, MemberRemovedStopsDeliveryToThatIdentityOnly) {
    const auto alice = sink();
    const auto bob = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", bob, {"CH1"}, kNoLimit));
    broker_.memberLeft("CH1", "alice");
    broker_.publishMessage("CH1", payload("x"));
    EXPECT_EQ(alice->frames(), (Frames{"left alice"}));
    EXPECT_EQ(bob->frames(), (Frames{"left alice", "x"}));
}

TEST_F(HubTest, MemberRemovedForANonMemberChangesNothing) {
    const auto alice = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    broker_.calls.clear();
    broker_.memberLeft("CH1", "bob");
    broker_.memberLeft("CH2", "alice");
    EXPECT_TRUE(broker_.calls.empty());
    broker_.publishMessage("CH1", payload("x"));
    // Both events are shown (to a member of CH1, and to alice herself), and nothing changes.
    EXPECT_EQ(alice->frames(), (Frames{"left bob", "left alice", "x"}));
}

// ---- broker subscriptions follow local membership ----

TEST_F(HubTest, SubscribesToAChannelOnceWhateverTheNumberOfLocalMembers) {
    ASSERT_TRUE(attach("alice", sink(), {"CH1"}, kNoLimit));
    const auto bob = sink();
    ASSERT_TRUE(attach("bob", bob, {"CH1", "CH2"}, kNoLimit));
    broker_.memberJoined("CH1", "bob");
    EXPECT_EQ(broker_.calls, (Calls{"subscribe CH1", "subscribe CH2"}));
}

TEST_F(HubTest, UnsubscribesWhenTheLastLocalMemberLeaves) {
    const auto alice = sink();
    const auto bob = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", bob, {"CH1"}, kNoLimit));
    broker_.calls.clear();

    broker_.memberLeft("CH1", "alice");
    EXPECT_TRUE(broker_.calls.empty()) << "bob is still a member here";
    broker_.memberLeft("CH1", "bob");
    EXPECT_EQ(broker_.calls, (Calls{"unsubscribe CH1"}));
}

TEST_F(HubTest, UnsubscribesWhenTheLastSessionOfTheLastMemberDetaches) {
    const auto phone = sink();
    const auto laptop = sink();
    ASSERT_TRUE(attach("alice", phone, {"CH1", "CH2"}, kNoLimit));
    ASSERT_TRUE(attach("alice", laptop, {"CH1"}, kNoLimit));
    broker_.calls.clear();

    hub_.detach("alice", phone.get());
    EXPECT_TRUE(broker_.calls.empty()) << "alice still has a session";
    hub_.detach("alice", laptop.get());
    std::vector<std::string> calls = broker_.calls;
    std::sort(calls.begin(), calls.end());
    EXPECT_EQ(calls, (Calls{"unsubscribe CH1", "unsubscribe CH2"}));
}

TEST_F(HubTest, SubscribesAgainWhenAMemberComesBack) {
    const auto alice = sink();
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    broker_.memberLeft("CH1", "alice");
    broker_.memberJoined("CH1", "alice");
    EXPECT_EQ(broker_.calls, (Calls{"subscribe CH1", "unsubscribe CH1", "subscribe CH1"}));
    broker_.publishMessage("CH1", payload("back"));
    EXPECT_EQ(alice->frames(), (Frames{"left alice", "joined alice", "back"}));
}

TEST(Hub, UnsubscribesEverythingWhenDestroyed) {
    RecordingBroker broker;
    const auto alice = std::make_shared<RecordingSink>();
    {
        Hub hub{broker};
        ASSERT_TRUE(attachTo(hub, "alice", alice, {"CH1", "CH2"}, kNoLimit));
        broker.calls.clear();
    }
    std::vector<std::string> calls = broker.calls;
    std::sort(calls.begin(), calls.end());
    EXPECT_EQ(calls, (Calls{"unsubscribe CH1", "unsubscribe CH2"}));
    // The broker holds no pointer to the dead hub.
    broker.publishMessage("CH1", payload("after"));
    EXPECT_TRUE(alice->frames().empty());
}

TEST(Hub, ALeaverHearsItsOwnLeaveAndThenNothingOfTheChannel) {
    RecordingBroker broker;
    Hub hub{broker};
    const auto alice = std::make_shared<RecordingSink>();
    ASSERT_TRUE(attachTo(hub, "alice", alice, {"CH1"}, kNoLimit));
    broker.publishMessage("CH1", payload("one"));
    broker.memberLeft("CH1", "alice");
    broker.publishMessage("CH1", payload("two"));
    EXPECT_EQ(alice->frames(), (Frames{"one", "left alice"}));
}

// ---- track / untrack / sessions ----

TEST_F(HubTest, TracksSessionsWhetherOrNotTheyAreAttached) {
    const auto initialized = sink();
    const auto fresh = sink();
    hub_.track(initialized);
    hub_.track(fresh);
    ASSERT_TRUE(attach("alice", initialized, {}, kNoLimit));
    auto sessions = hub_.sessions();
    ASSERT_EQ(sessions.size(), 2U);
    EXPECT_NE(std::find(sessions.begin(), sessions.end(), initialized), sessions.end());
    EXPECT_NE(std::find(sessions.begin(), sessions.end(), fresh), sessions.end());
}

TEST_F(HubTest, TrackingTwiceListsASessionOnce) {
    const auto session = sink();
    hub_.track(session);
    hub_.track(session);
    EXPECT_EQ(hub_.sessions().size(), 1U);
}

TEST_F(HubTest, UntrackRemovesOnlyThatSession) {
    const auto first = sink();
    const auto second = sink();
    hub_.track(first);
    hub_.track(second);
    hub_.untrack(first.get());
    EXPECT_EQ(hub_.sessions(), (std::vector<std::shared_ptr<SessionSink>>{second}));
    hub_.untrack(first.get()); // again: no effect
    EXPECT_EQ(hub_.sessions().size(), 1U);
}

TEST_F(HubTest, SessionsLeavesOutSessionsThatNoLongerExist) {
    auto gone = sink();
    const auto alive = sink();
    hub_.track(gone);
    hub_.track(alive);
    gone.reset();
    EXPECT_EQ(hub_.sessions(), (std::vector<std::shared_ptr<SessionSink>>{alive}));
}

TEST_F(HubTest, TrackingAloneDeliversNothing) {
    const auto session = sink();
    hub_.track(session);
    broker_.memberJoined("CH1", "alice");
    broker_.publishMessage("CH1", payload("x"));
    EXPECT_TRUE(session->frames().empty());
    EXPECT_EQ(hub_.sessionCount(), 0U);
}

TEST_F(HubTest, TheHubNeverClosesSessionsByItself) {
    const auto alice = sink();
    hub_.track(alice);
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    broker_.memberLeft("CH1", "alice");
    hub_.detach("alice", alice.get());
    hub_.untrack(alice.get());
    EXPECT_TRUE(alice->closes().empty());
}

// ---- membership events travel through the broker ----

TEST_F(HubTest, AJoinMadeElsewhereReachesEverySessionOfTheMemberOnce) {
    const auto phone = sink();
    const auto laptop = sink();
    const auto alice = sink();
    ASSERT_TRUE(attach("bob", phone, {}, kNoLimit));
    ASSERT_TRUE(attach("bob", laptop, {}, kNoLimit));
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    broker_.memberJoined("CH1", "bob");
    // Bob hears it on his identity topic, alice as a member of the channel: once each.
    EXPECT_EQ(phone->frames(), (Frames{"joined bob"}));
    EXPECT_EQ(laptop->frames(), (Frames{"joined bob"}));
    EXPECT_EQ(alice->frames(), (Frames{"joined bob"}));
    broker_.publishMessage("CH1", payload("welcome"));
    EXPECT_EQ(phone->frames(), (Frames{"joined bob", "welcome"}));
}

TEST_F(HubTest, ALeaveReachesTheOtherMembersAndEverySessionOfTheLeaver) {
    const auto phone = sink();
    const auto laptop = sink();
    const auto alice = sink();
    ASSERT_TRUE(attach("bob", phone, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", laptop, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    broker_.memberLeft("CH1", "bob");
    broker_.publishMessage("CH1", payload("after"));
    EXPECT_EQ(phone->frames(), (Frames{"left bob"}));
    EXPECT_EQ(laptop->frames(), (Frames{"left bob"}));
    EXPECT_EQ(alice->frames(), (Frames{"left bob", "after"}));
}

TEST_F(HubTest, SubscribesToAnIdentityTopicWhileTheIdentityHasSessionsHere) {
    const auto phone = sink();
    const auto laptop = sink();
    ASSERT_TRUE(attach("bob", phone, {}, kNoLimit));
    ASSERT_TRUE(attach("bob", laptop, {}, kNoLimit));
    hub_.detach("bob", phone.get());
    EXPECT_EQ(broker_.identity_calls, (Calls{"subscribe bob"}));
    hub_.detach("bob", laptop.get());
    EXPECT_EQ(broker_.identity_calls, (Calls{"subscribe bob", "unsubscribe bob"}));
}

// A session's init reads its channels from the store on a worker; a leave can land between that
// read and addChannels, and must not be undone by the older read.
TEST_F(HubTest, ALeaveBetweenTheStoreReadAndAddChannelsIsNotUndone) {
    const auto bob = sink();
    ASSERT_TRUE(hub_.attach("bob", bob, kNoLimit));
    broker_.memberLeft("CH1", "bob");
    hub_.addChannels("bob", {"CH1", "CH2"});
    broker_.publishMessage("CH1", payload("not for bob"));
    broker_.publishMessage("CH2", payload("for bob"));
    EXPECT_EQ(bob->frames(), (Frames{"left bob", "for bob"}));
    broker_.memberJoined("CH1", "bob"); // back again: delivered again
    broker_.publishMessage("CH1", payload("welcome back"));
    EXPECT_EQ(bob->frames(), (Frames{"left bob", "for bob", "joined bob", "welcome back"}));
}

TEST_F(HubTest, ChannelsAddedForAnIdentityWithNoSessionLeftAreIgnored) {
    const auto bob = sink();
    ASSERT_TRUE(attach("bob", bob, {}, kNoLimit));
    hub_.detach("bob", bob.get());
    hub_.addChannels("bob", {"CH1"});
    EXPECT_TRUE(broker_.calls.empty());
}

// A session's deliver may call back into the hub (a WsSession posts, but nothing forbids more):
// delivery happens outside the hub's lock, or this would deadlock.
TEST_F(HubTest, DeliversOutsideItsLock) {
    class Reentrant final : public SessionSink {
    public:
        explicit Reentrant(Hub& hub) : hub_(hub) {}
        void deliver(const Payload&) override { counted = hub_.sessionCount(); }
        void close(protocol::CloseCode) override {}
        std::size_t counted = 0;

    private:
        Hub& hub_;
    };
    const auto session = std::make_shared<Reentrant>(hub_);
    ASSERT_TRUE(attach("alice", session, {"CH1"}, kNoLimit));
    broker_.publishMessage("CH1", payload("x"));
    EXPECT_EQ(session->counted, 1U);
}

} // namespace
} // namespace parley::server
