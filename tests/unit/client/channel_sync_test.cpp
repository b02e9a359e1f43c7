#include "client/channel_sync.hpp"
#include "protocol/codes.hpp"
#include "protocol/frame.hpp"
#include "protocol/replies.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace parley::client {
namespace {

constexpr auto kPage = static_cast<std::int64_t>(protocol::kMaxHistoryLimit);
const std::string kChannel = "CH1";

protocol::MessageObject at(std::int64_t index, const std::string& channel = kChannel) {
    return protocol::MessageObject{.sid = "IM" + std::to_string(index),
                                   .index = index,
                                   .channel = channel,
                                   .author = "bob",
                                   .body = "m" + std::to_string(index)};
}

std::vector<protocol::MessageObject> range(std::int64_t first, std::int64_t last) {
    std::vector<protocol::MessageObject> out;
    for (std::int64_t index = first; index <= last; ++index) {
        out.push_back(at(index));
    }
    return out;
}

Message live(std::int64_t index) {
    return toMessage(at(index));
}

// ChannelSync with its hooks recorded: the requests it sends wait here for the test's answer.
class ChannelSyncTest : public ::testing::Test {
protected:
    struct Sent {
        std::string op;
        Json args;
        ReplyHandler on_reply;
    };

    Sent next() {
        if (sent_.empty()) {
            ADD_FAILURE() << "nothing was sent";
            return {};
        }
        Sent request = std::move(sent_.front());
        sent_.pop_front();
        return request;
    }
    // The next request must be message.history with these arguments; answered with `page`.
    void answerHistory(const Json& expected_args,
                       const std::vector<protocol::MessageObject>& page) {
        Sent request = next();
        EXPECT_EQ(request.op, protocol::op::kMessageHistory);
        EXPECT_EQ(request.args, expected_args);
        request.on_reply(protocol::messagesReply(page));
    }
    Json historyArgs(std::optional<std::int64_t> after, std::int64_t limit) const {
        return protocol::encodeArgs(
            protocol::MessageHistoryRequest{.channel = kChannel, .after = after, .limit = limit});
    }

    std::vector<std::int64_t> delivered() const {
        std::vector<std::int64_t> out;
        for (const auto& message : delivered_) {
            out.push_back(message.index);
        }
        return out;
    }

    std::deque<Sent> sent_;
    std::vector<Message> delivered_;
    ChannelSync sync_{[this](std::string_view op, Json args, ReplyHandler on_reply) {
                          sent_.push_back({std::string{op}, std::move(args), std::move(on_reply)});
                      },
                      [this](Message&& message) { delivered_.push_back(std::move(message)); }};
};

std::vector<std::int64_t> indexes(std::int64_t first, std::int64_t last) {
    std::vector<std::int64_t> out;
    for (std::int64_t index = first; index <= last; ++index) {
        out.push_back(index);
    }
    return out;
}

TEST_F(ChannelSyncTest, AJoinTakesTheNewestIndexAsBaselineAndDeliversOnlyWhatFollows) {
    sync_.joined(kChannel, /*brand_new=*/false);
    sync_.onLiveMessage(live(5)); // arrives before the baseline: held
    EXPECT_TRUE(delivered_.empty());
    answerHistory(historyArgs(std::nullopt, 1), {at(4)});
    sync_.onLiveMessage(live(6));
    EXPECT_EQ(delivered(), (std::vector<std::int64_t>{5, 6}));
}

// The history read after the join already held 5 and 6, sent just after the join; their events
// came after its reply. They are news: delivered once, in order.
TEST_F(ChannelSyncTest, MessagesSentJustAfterAJoinAreDeliveredWhenTheirEventsTrailTheBaseline) {
    sync_.joined(kChannel, /*brand_new=*/false);
    answerHistory(historyArgs(std::nullopt, 1), {at(6)});
    sync_.onLiveMessage(live(5));
    sync_.onLiveMessage(live(6));
    sync_.onLiveMessage(live(7));
    EXPECT_EQ(delivered(), (std::vector<std::int64_t>{5, 6, 7}));
    EXPECT_TRUE(sent_.empty());
}

TEST_F(ChannelSyncTest, ABrandNewChannelDeliversFromIndexZeroWithoutAFetch) {
    sync_.joined(kChannel, /*brand_new=*/true);
    sync_.onLiveMessage(live(0));
    EXPECT_TRUE(sent_.empty());
    EXPECT_EQ(delivered(), (std::vector<std::int64_t>{0}));
}

TEST_F(ChannelSyncTest, AGapIsFetchedByIndexAndEachMessageDeliveredOnce) {
    sync_.joined(kChannel, true);
    sync_.onLiveMessage(live(0));
    sync_.onLiveMessage(live(3)); // 1 and 2 were missed
    sync_.onLiveMessage(live(4));
    ASSERT_EQ(sent_.size(), 1U) << "one fetch at a time";
    answerHistory(historyArgs(0, kPage), range(1, 4));
    EXPECT_EQ(delivered(), indexes(0, 4));
    EXPECT_TRUE(sent_.empty());
}

TEST_F(ChannelSyncTest, AfterAReconnectItRejoinsThenPagesOnUntilCaughtUp) {
    sync_.joined(kChannel, true);
    for (std::int64_t index = 0; index <= 5; ++index) {
        sync_.onLiveMessage(live(index));
    }
    sync_.resync();
    Sent rejoin = next();
    EXPECT_EQ(rejoin.op, protocol::op::kChannelJoin);
    EXPECT_EQ(rejoin.args, protocol::encodeArgs(protocol::ChannelJoinRequest{.channel = kChannel}));
    rejoin.on_reply(protocol::channelReply(protocol::ChannelObject{.sid = kChannel}));
    answerHistory(historyArgs(5, kPage), range(6, 5 + kPage)); // a full page: there may be more
    sync_.onLiveMessage(live(6 + kPage + 1));                  // live events overlap the catch-up
    answerHistory(historyArgs(5 + kPage, kPage), range(6 + kPage, 6 + kPage + 1));
    EXPECT_TRUE(sent_.empty());
    EXPECT_EQ(delivered(), indexes(0, 6 + kPage + 1)) << "exactly once, in index order";
}

TEST_F(ChannelSyncTest, AChannelGoneAtRejoinIsForgotten) {
    sync_.joined(kChannel, true);
    sync_.resync();
    next().on_reply(std::unexpected(
        Error{.code = static_cast<int>(protocol::ErrorCode::kChannelNotFound), .message = "gone"}));
    EXPECT_FALSE(sync_.tracks(kChannel));
    EXPECT_TRUE(sent_.empty());
}

TEST_F(ChannelSyncTest, AFailedFetchIsTriedAgainAtTheNextGap) {
    sync_.joined(kChannel, true);
    sync_.onLiveMessage(live(0));
    sync_.onLiveMessage(live(2));
    next().on_reply(std::unexpected(Error::client(ClientErrorCode::kConnectionLost)));
    sync_.onLiveMessage(live(3));
    answerHistory(historyArgs(0, kPage), range(1, 3));
    EXPECT_EQ(delivered(), indexes(0, 3));
}

TEST_F(ChannelSyncTest, AChannelJoinedElsewhereIsTrackedFromItsFirstMessage) {
    sync_.onLiveMessage(live(7));
    sync_.onLiveMessage(live(8));
    EXPECT_TRUE(sync_.tracks(kChannel));
    EXPECT_EQ(delivered(), (std::vector<std::int64_t>{7, 8}));
}

TEST_F(ChannelSyncTest, AHistoryPageOfAnotherChannelTakesNoIndexHere) {
    // Found by client_frame_fuzz: a foreign message in a page was delivered as this channel's.
    sync_.joined(kChannel, true);
    sync_.onLiveMessage(live(0));
    sync_.onLiveMessage(live(2));
    answerHistory(historyArgs(0, kPage), {at(1, "CHother"), at(2)});
    EXPECT_EQ(delivered(), (std::vector<std::int64_t>{0}));
    for (const auto& message : delivered_) {
        EXPECT_EQ(message.channel, kChannel);
    }
}

TEST_F(ChannelSyncTest, ALeftChannelIsNoLongerDeliveredOrFetched) {
    sync_.joined(kChannel, true);
    sync_.left(kChannel);
    sync_.resync();
    EXPECT_TRUE(sent_.empty());
    EXPECT_FALSE(sync_.tracks(kChannel));
}

TEST_F(ChannelSyncTest, APageCutShortByTheByteCapIsFollowedByAnotherUntilCaughtUp) {
    sync_.joined(kChannel, true);
    sync_.onLiveMessage(live(0));
    sync_.resync();
    next().on_reply(protocol::channelReply(protocol::ChannelObject{.sid = kChannel}));
    // Ten messages of 100 KiB: far fewer than the limit, but as much as one reply holds.
    std::vector<protocol::MessageObject> large = range(1, 10);
    for (auto& message : large) {
        message.body.assign(std::size_t{100} * 1024, 'x');
    }
    answerHistory(historyArgs(0, kPage), large);
    answerHistory(historyArgs(10, kPage), range(11, 12)); // short and small: the end
    EXPECT_TRUE(sent_.empty());
    EXPECT_EQ(delivered(), indexes(0, 12));
}

} // namespace
} // namespace parley::client
