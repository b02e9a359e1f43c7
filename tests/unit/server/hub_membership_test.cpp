#include "hub_fixture.hpp"
#include "server/hub.hpp"

#include <algorithm>

namespace parley::server {
namespace {

using namespace hub_fixture;

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
    hub_.addChannels("bob", memberChannels({"CH1", "CH2"}));
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
    hub_.addChannels("bob", memberChannels({"CH1"}));
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
