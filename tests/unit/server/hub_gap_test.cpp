// A hub over a broker that may lose events fills the gaps from the store: members get every
// message once and in index order. Gaps are made by not publishing a stored message's event
// (what a lost Redis message looks like to a node); the broker here is the memory one, the Redis
// faults are in hub_redis_test.cpp.

#include "hub_gap_fixture.hpp"
#include "server/broker/memory_broker.hpp"

namespace parley::server::hub_gaps {
namespace {

class HubGapTest : public ::testing::Test {
protected:
    TempSqliteStore store_;
    Chat chat_{*store_};
    Node node_{*store_, std::make_unique<MemoryBroker>()};
    std::shared_ptr<RecordingSink> alice_ = std::make_shared<RecordingSink>();

    void attachAlice() { node_.attach("alice", alice_, chat_.sid); }
    void publish(ChannelEvent event) { chat_.publish(*node_.broker, std::move(event)); }
};

TEST_F(HubGapTest, AJumpInIndexesIsFilledFromTheStoreInOrder) {
    chat_.append("old, before alice came");
    attachAlice();
    publish(chat_.append("one"));
    chat_.append("lost two");
    chat_.append("lost three");
    publish(chat_.append("four"));
    const std::vector<std::string> expected(chat_.frames.begin() + 1, chat_.frames.end());
    EXPECT_TRUE(receives(*alice_, expected));
}

TEST_F(HubGapTest, AnEventAlreadyDeliveredIsNotDeliveredAgain) {
    attachAlice();
    const ChannelEvent zero = chat_.append("zero");
    publish(zero);
    chat_.append("lost one");
    const ChannelEvent two = chat_.append("two");
    publish(two);
    publish(zero); // seen already
    publish(two);  // filled from the store already, and seen
    publish(chat_.append("three"));
    EXPECT_TRUE(receives(*alice_, chat_.frames));
}

TEST_F(HubGapTest, TheBrokersWordOfAGapReadsWhatCameAfterTheLastDelivered) {
    attachAlice();
    publish(chat_.append("zero"));
    ASSERT_TRUE(receives(*alice_, {chat_.frames[0]}));
    chat_.append("lost one");
    chat_.append("lost two");
    node_.hub.onBrokerGap(channelTopic(chat_.sid)); // as a broker calls it, no event running
    EXPECT_TRUE(receives(*alice_, chat_.frames));
    publish(chat_.append("three"));
    EXPECT_TRUE(receives(*alice_, chat_.frames));
}

// More than one page of the store is missing.
TEST_F(HubGapTest, ALongGapIsReadPageByPage) {
    attachAlice();
    publish(chat_.append("first"));
    for (std::size_t i = 0; i < Backfill::kPage * 2 + 7; ++i) {
        chat_.append("lost " + std::to_string(i));
    }
    publish(chat_.append("last"));
    EXPECT_TRUE(receives(*alice_, chat_.frames));
}

// Messages stored before the hub subscribed are the sessions' to read; those after, the hub's,
// even when the first event to come is not the first after the subscription.
TEST_F(HubGapTest, DeliveryStartsAfterTheNewestIndexWhenSubscribing) {
    chat_.append("before");
    attachAlice();
    chat_.append("lost, after the subscription");
    publish(chat_.append("two"));
    EXPECT_TRUE(receives(*alice_, {chat_.frames[1], chat_.frames[2]}));
}

TEST_F(HubGapTest, MemberEventsPassThroughInTheirPlace) {
    attachAlice();
    publish(chat_.append("zero"));
    chat_.append("lost one");
    publish(chat_.append("two"));
    const ChannelEvent joined{.kind = ChannelEvent::Kind::kMemberJoined,
                              .channel = chat_.sid,
                              .identity = "bob",
                              .frame = std::make_shared<const std::string>("bob joined")};
    publish(joined);
    publish(chat_.append("three"));
    std::vector<std::string> expected = chat_.frames;
    expected.insert(expected.begin() + 3, "bob joined");
    EXPECT_TRUE(receives(*alice_, expected));
}

} // namespace
} // namespace parley::server::hub_gaps
