// Leave replay over a broker that may lose events: when the identity topic reports a gap, the
// hub reads the identity's channels from the store and leaves those it is no longer in. A lost
// event is made by changing the store without publishing it (what a Redis outage looks like to a
// node); the broker is the memory one.

#include "hub_gap_fixture.hpp"
#include "server/broker/memory_broker.hpp"

namespace parley::server::hub_gaps {
namespace {

const UnixMillis kJoinedAt{std::chrono::milliseconds{1'800'000'000'000}};

class HubLeaveReplayTest : public ::testing::Test {
protected:
    TempSqliteStore store_;
    Chat first_{*store_};
    Node node_{*store_, std::make_unique<MemoryBroker>()};
    std::shared_ptr<RecordingSink> bob_ = std::make_shared<RecordingSink>();

    std::string secondChannel() {
        const auto channel = store_->createChannel(
            NewChannel{.sid = "CH00000000000000000000000000000002", .created_by = "alice"});
        EXPECT_TRUE(channel.has_value());
        return channel->sid;
    }
    ChannelEvent messageIn(const std::string& channel, std::int64_t index, std::string frame) {
        return ChannelEvent{.kind = ChannelEvent::Kind::kMessage,
                            .channel = channel,
                            .identity = "alice",
                            .index = index,
                            .frame = std::make_shared<const std::string>(std::move(frame))};
    }
};

TEST_F(HubLeaveReplayTest, ALeaveLostByTheBrokerStopsDeliveryAfterTheGap) {
    const std::string second = secondChannel();
    ASSERT_TRUE(store_->addMember(second, "bob", kJoinedAt).has_value());
    node_.attach("bob", bob_, first_.sid); // both channels, read from the store
    ASSERT_TRUE(node_.broker->waitSubscribed(channelTopic(second)));
    // bob leaves the first channel on another node; the member_left event is lost.
    ASSERT_TRUE(store_->removeMember(first_.sid, "bob").has_value());
    node_.hub.onBrokerGap(identityTopic("bob"));
    ASSERT_TRUE(node_.broker->waitUnsubscribed(channelTopic(first_.sid)));
    // A message there reaches bob no more; one in `second`, published after it, still does.
    first_.publish(*node_.broker, messageIn(first_.sid, 0, "after leaving"));
    node_.broker->publish(channelTopic(second), messageIn(second, 0, "in second"));
    EXPECT_TRUE(receives(*bob_, {"in second"}));
}

// A join is not replayed: the store does not say from which index the member is owed messages,
// and starting at the newest would skip what was sent since the join. Its event brings it, and
// with it the first index owed.
TEST_F(HubLeaveReplayTest, AJoinIsLeftToItsEventWhichNamesTheFirstIndexOwed) {
    node_.attach("bob", bob_, first_.sid);
    const std::string second = secondChannel();
    ASSERT_TRUE(store_->addMember(second, "bob", kJoinedAt).has_value());
    const auto owed = store_->appendMessage(
        NewMessage{.sid = "IMowed", .channel_sid = second, .author = "alice", .body = "owed"});
    ASSERT_TRUE(owed.has_value());
    node_.hub.onBrokerGap(identityTopic("bob"));
    // The gap's read is applied before the store read of the next gap, whose message comes next.
    node_.hub.onBrokerGap(channelTopic(first_.sid));
    first_.publish(*node_.broker, first_.append("in first"));
    ASSERT_TRUE(receives(*bob_, first_.frames));
    node_.broker->publish(identityTopic("bob"),
                          ChannelEvent{.kind = ChannelEvent::Kind::kMemberJoined,
                                       .channel = second,
                                       .identity = "bob",
                                       .index = owed->index,
                                       .frame = std::make_shared<const std::string>("joined")});
    // The owed message comes from a store read, the joined event straight from the broker: either
    // may reach the session first.
    ASSERT_TRUE(waitUntil([&] { return bob_->frames().size() >= 3; }, kWait));
    const auto got = bob_->frames();
    EXPECT_EQ(std::count(got.begin(), got.end(), protocol::messageEvent(toWire(*owed))), 1)
        << "a join started from the store's newest index skips the message owed";
    EXPECT_EQ(std::count(got.begin(), got.end(), "joined"), 1);
}

} // namespace
} // namespace parley::server::hub_gaps
