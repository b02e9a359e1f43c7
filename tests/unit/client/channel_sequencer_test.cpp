#include "client/channel_sequencer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parley::client {
namespace {

Message at(std::int64_t index) {
    return Message{.sid = "IM" + std::to_string(index), .index = index, .channel = "CH1"};
}

std::vector<std::int64_t> indexes(const std::vector<Message>& messages) {
    std::vector<std::int64_t> out;
    for (const auto& message : messages) {
        out.push_back(message.index);
    }
    return out;
}

TEST(ChannelSequencer, HoldsEverythingUntilTheBaselineIsKnown) {
    ChannelSequencer sequencer;
    EXPECT_TRUE(sequencer.accept(at(5)).empty());
    EXPECT_EQ(sequencer.held(), 1U);
}

TEST(ChannelSequencer, DeliversInOrderAfterTheBaseline) {
    ChannelSequencer sequencer;
    EXPECT_TRUE(sequencer.setBaseline(3).empty());
    EXPECT_EQ(indexes(sequencer.accept(at(4))), (std::vector<std::int64_t>{4}));
    EXPECT_EQ(indexes(sequencer.accept(at(5))), (std::vector<std::int64_t>{5}));
    EXPECT_EQ(sequencer.lastIndex(), 5);
}

TEST(ChannelSequencer, DropsDuplicatesAndOldIndexes) {
    ChannelSequencer sequencer;
    (void)sequencer.setBaseline(std::nullopt);
    EXPECT_EQ(indexes(sequencer.accept(at(0))), (std::vector<std::int64_t>{0}));
    EXPECT_TRUE(sequencer.accept(at(0)).empty());
    EXPECT_EQ(indexes(sequencer.accept(at(1))), (std::vector<std::int64_t>{1}));
    EXPECT_TRUE(sequencer.accept(at(1)).empty());
}

TEST(ChannelSequencer, AGapHoldsLaterMessagesUntilHistoryFillsIt) {
    ChannelSequencer sequencer;
    (void)sequencer.setBaseline(9);                // reconnected after index 9
    EXPECT_TRUE(sequencer.accept(at(13)).empty()); // a live event after the outage
    EXPECT_TRUE(sequencer.hasGap());
    EXPECT_EQ(sequencer.lastIndex(), 9);
    // The history page after 9 arrives, overlapping the live event.
    std::vector<std::int64_t> delivered;
    for (std::int64_t index = 10; index <= 13; ++index) {
        for (auto& message : sequencer.accept(at(index))) {
            delivered.push_back(message.index);
        }
    }
    EXPECT_EQ(delivered, (std::vector<std::int64_t>{10, 11, 12, 13}));
    EXPECT_FALSE(sequencer.hasGap());
}

TEST(ChannelSequencer, EventsHeldDuringAJoinAreNewEvenAtOrBelowTheBaseline) {
    ChannelSequencer sequencer;
    // Joined; message 7 was sent just after, its event arrived before the history reply that
    // reports 7 as the newest.
    EXPECT_TRUE(sequencer.accept(at(7)).empty());
    EXPECT_EQ(indexes(sequencer.setBaseline(7)), (std::vector<std::int64_t>{7}));
    EXPECT_EQ(sequencer.lastIndex(), 7);
}

TEST(ChannelSequencer, EventsThatComeAfterTheHistoryReplyOfAJoinAreNewEvenAtOrBelowTheBaseline) {
    ChannelSequencer sequencer;
    // Joined; messages 6 and 7 were sent just after, and the history reply that reports 7 as
    // the newest came before their events.
    EXPECT_TRUE(sequencer.setBaselineFromHistory(7).empty());
    EXPECT_EQ(indexes(sequencer.acceptLive(at(6))), (std::vector<std::int64_t>{6}));
    EXPECT_EQ(indexes(sequencer.acceptLive(at(7))), (std::vector<std::int64_t>{7}));
    EXPECT_EQ(indexes(sequencer.acceptLive(at(8))), (std::vector<std::int64_t>{8}));
}

TEST(ChannelSequencer, OnceSomethingWasDeliveredALiveDuplicateIsDroppedAsBefore) {
    ChannelSequencer sequencer;
    (void)sequencer.setBaselineFromHistory(7);
    // A catch-up page delivered 8 first; its event, arriving after, is a duplicate.
    EXPECT_EQ(indexes(sequencer.accept(at(8))), (std::vector<std::int64_t>{8}));
    EXPECT_TRUE(sequencer.acceptLive(at(8)).empty());
    EXPECT_TRUE(sequencer.acceptLive(at(7)).empty());
    // A baseline read on a reconnect (not the first) never drops either.
    ChannelSequencer reconnected;
    (void)reconnected.setBaseline(9);
    (void)reconnected.setBaselineFromHistory(9);
    EXPECT_TRUE(reconnected.acceptLive(at(9)).empty());
}

TEST(ChannelSequencer, AnEmptyChannelStartsAtIndexZero) {
    ChannelSequencer sequencer;
    EXPECT_TRUE(sequencer.setBaseline(std::nullopt).empty());
    EXPECT_EQ(sequencer.lastIndex(), -1);
    EXPECT_EQ(indexes(sequencer.accept(at(0))), (std::vector<std::int64_t>{0}));
}

TEST(ChannelSequencer, ASecondBaselineChangesNothing) {
    ChannelSequencer sequencer;
    (void)sequencer.setBaseline(4);
    (void)sequencer.setBaseline(100);
    EXPECT_EQ(sequencer.lastIndex(), 4);
}

} // namespace
} // namespace parley::client
