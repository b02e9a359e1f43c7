// A hub over a broker that may lose events fills the gaps from the store: members get every
// message once and in index order. Gaps are made by not publishing a stored message's event
// (what a lost Redis message looks like to a node); the broker here is the memory one, the Redis
// faults are in hub_redis_test.cpp.

#include "hub_gap_fixture.hpp"
#include "server/broker/memory_broker.hpp"

#include <sqlite3.h>

#include <future>

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

    // Runs SQL on a connection of the test's own: a real store failure, made and mended.
    void execute(const std::string& sql) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(store_.file().c_str(), &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 10'000);
        const int status = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
        EXPECT_EQ(status, SQLITE_OK) << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
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

// A read that failed leaves the last delivered index as it was: the broker's next word of a gap
// reads after it, and the messages of the outage are delivered, not skipped.
TEST_F(HubGapTest, AfterAFailedReadAGapStillReadsAfterTheLastDelivered) {
    attachAlice();
    publish(chat_.append("zero"));
    ASSERT_TRUE(receives(*alice_, {chat_.frames[0]}));
    execute("ALTER TABLE messages RENAME TO messages_away");
    node_.hub.onBrokerGap(channelTopic(chat_.sid)); // this read fails
    node_.waitForStoreReads();
    execute("ALTER TABLE messages_away RENAME TO messages");
    chat_.append("lost one");
    chat_.append("lost two");
    node_.hub.onBrokerGap(channelTopic(chat_.sid));
    EXPECT_TRUE(receives(*alice_, chat_.frames));
    publish(chat_.append("three"));
    EXPECT_TRUE(receives(*alice_, chat_.frames));
}

// While a read is slow, what comes meanwhile is held up to a cap; messages past it are dropped
// and read from the store, membership events are kept: nothing is lost and messages keep order.
TEST_F(HubGapTest, WhatIsHeldDuringASlowReadIsCappedAndTheRestReadFromTheStore) {
    attachAlice();
    publish(chat_.append("zero"));
    ASSERT_TRUE(receives(*alice_, {chat_.frames[0]}));
    std::promise<void> release;
    node_.workers.post([gate = release.get_future().share()] { gate.wait(); }); // a slow store
    chat_.append("lost one");
    publish(chat_.append("two")); // a jump: the read waits behind the slow store
    const std::string big(64 * 1024, 'x');
    const std::size_t count = Hub::kMaxHeldBytes / big.size() + 8;
    for (std::size_t i = 0; i < count; ++i) {
        publish(chat_.append(big + std::to_string(i)));
        if (i == count - 4) {
            publish(ChannelEvent{.kind = ChannelEvent::Kind::kMemberJoined,
                                 .channel = chat_.sid,
                                 .identity = "bob",
                                 .frame = std::make_shared<const std::string>("bob joined")});
        }
    }
    EXPECT_LE(node_.hub.heldBytes(chat_.sid),
              Hub::kMaxHeldBytes + std::string{"bob joined"}.size());
    release.set_value();
    std::vector<std::string> expected = chat_.frames;
    expected.emplace_back("bob joined");
    ASSERT_TRUE(waitUntil([&] { return alice_->frames().size() >= expected.size(); }, kWait));
    std::vector<std::string> got = alice_->frames();
    const auto joined = std::find(got.begin(), got.end(), "bob joined");
    ASSERT_NE(joined, got.end());
    got.erase(joined);
    EXPECT_TRUE(got == chat_.frames) << "messages lost, repeated or out of order";
    EXPECT_EQ(node_.hub.heldBytes(chat_.sid), 0U);
}

// An event that comes again after the store gave its message, held in front of a jump during a
// read, is no bound for that read: the messages under the jump are delivered from it, not
// skipped as if the store had none (the fan-out across nodes lost them so).
TEST_F(HubGapTest, AnEventHeldAgainDoesNotHideTheMessagesUnderAJump) {
    attachAlice();
    const ChannelEvent zero = chat_.append("zero");
    publish(zero);
    ASSERT_TRUE(receives(*alice_, {chat_.frames[0]}));
    std::promise<void> release;
    node_.workers.post([gate = release.get_future().share()] { gate.wait(); }); // a slow store
    chat_.append("lost one");
    chat_.append("lost two");
    const ChannelEvent three = chat_.append("three");
    node_.hub.onBrokerGap(channelTopic(chat_.sid)); // the read waits behind the slow store
    publish(zero);                                  // again: held, and old
    publish(three);                                 // held: a jump over one and two
    const std::size_t held = zero.frame->size() + three.frame->size();
    ASSERT_TRUE(waitUntil([&] { return node_.hub.heldBytes(chat_.sid) == held; }, kWait));
    release.set_value();
    EXPECT_TRUE(receives(*alice_, chat_.frames));
}

// A read for a gap finds messages past the first event held meanwhile; those whose events never
// came (lost, which is why the gap was read) are delivered once the held ones are, not left
// until the next message shows the jump (two nodes over Redis lost one so at the start).
TEST_F(HubGapTest, WhatAGapsReadFoundPastTheHeldEventsIsDeliveredToo) {
    attachAlice();
    std::promise<void> release;
    node_.workers.post([gate = release.get_future().share()] { gate.wait(); }); // a slow store
    const ChannelEvent zero = chat_.append("zero");
    chat_.append("one, its event lost");
    node_.hub.onBrokerGap(channelTopic(chat_.sid)); // the read waits behind the slow store
    publish(zero);                                  // held while it waits
    ASSERT_TRUE(
        waitUntil([&] { return node_.hub.heldBytes(chat_.sid) == zero.frame->size(); }, kWait));
    release.set_value();
    EXPECT_TRUE(receives(*alice_, chat_.frames));
}

// A jump over indexes the store does not have (they are never skipped, so only a damaged store
// does this) is read again once, then delivered: the channel is not held for ever.
TEST_F(HubGapTest, AJumpTheStoreCannotFillIsDeliveredAfterTwoEmptyReads) {
    attachAlice();
    publish(chat_.append("zero"));
    ASSERT_TRUE(receives(*alice_, {chat_.frames[0]}));
    chat_.append("deleted one");
    execute("DELETE FROM messages WHERE idx = 1");
    publish(chat_.append("two"));
    EXPECT_TRUE(receives(*alice_, {chat_.frames[0], chat_.frames[2]}));
    publish(chat_.append("three"));
    EXPECT_TRUE(receives(*alice_, {chat_.frames[0], chat_.frames[2], chat_.frames[3]}));
    EXPECT_EQ(node_.hub.heldBytes(chat_.sid), 0U);
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

// Messages stored before the session read its channels are its history to read; those after,
// the hub's, even when the first event to come is not the first after the subscription.
TEST_F(HubGapTest, DeliveryStartsAfterWhatWasStoredBeforeTheSessionsRead) {
    chat_.append("before");
    attachAlice();
    chat_.append("lost, after the subscription");
    publish(chat_.append("two"));
    EXPECT_TRUE(receives(*alice_, {chat_.frames[1], chat_.frames[2]}));
}

// The session answers init once its channels are read, so a message stored after that read is
// owed to it even if this node subscribes to the channel only later: delivery starts at the next
// index read with the channels, not at the newest index when subscribing (which skipped such a
// message for every member on the node, found by the cluster fan-out smoke test).
TEST_F(HubGapTest, DeliveryStartsAtTheIndexReadWithTheSessionsChannels) {
    chat_.append("before the session");
    ASSERT_TRUE(node_.hub.attach("alice", alice_, 10));
    const auto channels = store_->channelsOf("alice");
    ASSERT_TRUE(channels.has_value());
    chat_.append("after the read, before the subscription"); // its event never came
    node_.hub.addChannels("alice", *channels);
    ASSERT_TRUE(node_.broker->waitSubscribed(channelTopic(chat_.sid)));
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
