// The gate of the Redis broker's publishes: a publish waits for the SUBSCRIBEs sent before it and
// for no others, so a steady stream of SUBSCRIBEs (joins to new channels) cannot hold it back.

#include "server/broker/publish_outbox.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::server {
namespace {

std::string headTopic(const PublishOutbox& outbox) {
    const PublishOutbox::Entry* head = outbox.ready();
    return head == nullptr ? std::string{"(held)"} : head->topic;
}

TEST(RedisPublishOutbox, APublishWaitsForTheSubscribesSentBeforeIt) {
    PublishOutbox outbox{10};
    outbox.subscribeSent();
    outbox.push("t1", "a");
    EXPECT_EQ(headTopic(outbox), "(held)");
    outbox.subscribeConfirmed();
    EXPECT_EQ(headTopic(outbox), "t1");
}

TEST(RedisPublishOutbox, ASteadyStreamOfLaterSubscribesDoesNotHoldPublishesBack) {
    PublishOutbox outbox{10};
    outbox.subscribeSent(); // one SUBSCRIBE is always in flight from here on
    for (int round = 0; round < 100; ++round) {
        const std::string topic = "t" + std::to_string(round);
        outbox.push(topic, "bytes");
        outbox.subscribeSent(); // a join to another channel, after the publish
        EXPECT_EQ(headTopic(outbox), "(held)");
        outbox.subscribeConfirmed(); // the one sent before the publish
        ASSERT_EQ(headTopic(outbox), topic);
        outbox.pop();
    }
    EXPECT_EQ(outbox.size(), 0U);
}

TEST(RedisPublishOutbox, AfterALostLinkQueuedPublishesWaitForTheResubscribes) {
    PublishOutbox outbox{10};
    outbox.subscribeSent();
    outbox.push("t1", "a");
    outbox.subscribesLost(); // that SUBSCRIBE is never confirmed
    outbox.subscribeSent();  // the topics subscribed again on the new link
    outbox.subscribeSent();
    outbox.waitForAllSent();
    const auto mark = outbox.sentMark();
    outbox.subscribeConfirmed();
    EXPECT_FALSE(outbox.confirmedUpTo(mark));
    EXPECT_EQ(headTopic(outbox), "(held)");
    outbox.subscribeConfirmed();
    EXPECT_TRUE(outbox.confirmedUpTo(mark));
    EXPECT_EQ(headTopic(outbox), "t1");
}

TEST(RedisPublishOutbox, BeyondItsCapacityTheOldestIsDropped) {
    PublishOutbox outbox{2};
    outbox.push("t1", "a");
    outbox.push("t2", "b");
    outbox.push("t3", "c");
    EXPECT_EQ(outbox.size(), 2U);
    EXPECT_EQ(headTopic(outbox), "t2");
}

} // namespace
} // namespace parley::server
