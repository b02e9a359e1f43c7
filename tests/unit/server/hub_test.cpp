#include "hub_fixture.hpp"
#include "server/hub.hpp"

#include <algorithm>

namespace parley::server {
namespace {

using namespace hub_fixture;

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

// A channel's message recipients are cached once its messages flow: each change of its members
// or of their sessions must show in the next message.
TEST_F(HubTest, RecipientsFollowEveryChangeAfterMessagesHaveFlowed) {
    const auto messages = [](const RecordingSink& sink) {
        Frames out;
        for (const std::string& frame : sink.frames()) {
            if (frame.starts_with("m")) {
                out.push_back(frame);
            }
        }
        return out;
    };
    const auto phone = sink();
    const auto laptop = sink();
    const auto bob = sink();
    const auto carol = sink();
    ASSERT_TRUE(attach("alice", phone, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("carol", carol, {}, kNoLimit));
    broker_.publishMessage("CH1", payload("m1"));
    ASSERT_TRUE(attach("alice", laptop, {}, kNoLimit)); // a second session of a member
    broker_.publishMessage("CH1", payload("m2"));
    ASSERT_TRUE(attach("bob", bob, {"CH1"}, kNoLimit)); // a member connects
    broker_.publishMessage("CH1", payload("m3"));
    hub_.detach("alice", phone.get());
    broker_.publishMessage("CH1", payload("m4"));
    broker_.memberLeft("CH1", "bob");
    broker_.publishMessage("CH1", payload("m5"));
    broker_.memberJoined("CH1", "carol");
    broker_.publishMessage("CH1", payload("m6"));
    EXPECT_EQ(messages(*phone), (Frames{"m1", "m2", "m3"}));
    EXPECT_EQ(messages(*laptop), (Frames{"m2", "m3", "m4", "m5", "m6"}));
    EXPECT_EQ(messages(*bob), (Frames{"m3", "m4"}));
    EXPECT_EQ(messages(*carol), (Frames{"m6"}));
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

} // namespace
} // namespace parley::server
