// The store's half of the history cap: a page stops before its messages count more than
// max_bytes, keeping those nearest where it starts, and never comes back empty for it.

#include "../temp_sqlite_store.hpp"
#include "protocol/history_budget.hpp"
#include "server/store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::server {
namespace {

class HistoryBudgetTest : public ::testing::Test {
protected:
    void SetUp() override {
        channel_ = store_
                       ->createChannel(NewChannel{.sid = "CH" + std::string(32, 'c'),
                                                  .unique_name = "big",
                                                  .friendly_name = "big",
                                                  .created_by = "alice"})
                       .value();
        for (int i = 0; i < 10; ++i) {
            store_
                ->appendMessage(NewMessage{.sid = "IM" + std::string(31, 'm') + std::to_string(i),
                                           .channel_sid = channel_.sid,
                                           .author = "alice",
                                           .body = std::string(1000, 'x')})
                .value();
        }
    }
    std::vector<std::int64_t> page(HistoryQuery query) {
        std::vector<std::int64_t> out;
        const auto messages = store_->history(channel_.sid, query);
        for (const Message& message : messages.value()) {
            out.push_back(message.index);
        }
        return out;
    }
    // What `count` of the stored messages count against the cap.
    static std::size_t bytesOf(std::size_t count) {
        return count * protocol::historyBytes("alice", std::string(1000, 'x'), "{}");
    }

    TempSqliteStore store_{"parley-history-budget"};
    Channel channel_;
};

using Indexes = std::vector<std::int64_t>;

TEST_F(HistoryBudgetTest, APageStopsAtTheByteCapKeepingTheMessagesNearestItsStart) {
    EXPECT_EQ(page({.after = 1, .limit = 500, .max_bytes = bytesOf(3)}), (Indexes{2, 3, 4}));
    EXPECT_EQ(page({.before = 8, .limit = 500, .max_bytes = bytesOf(3)}), (Indexes{5, 6, 7}));
    EXPECT_EQ(page({.limit = 500, .max_bytes = bytesOf(3)}), (Indexes{7, 8, 9}));
    EXPECT_EQ(page({.after = 1, .limit = 500, .max_bytes = bytesOf(3) - 1}), (Indexes{2, 3}));
}

TEST_F(HistoryBudgetTest, LimitStillAppliesUnderTheCapAndOneMessageAlwaysFits) {
    EXPECT_EQ(page({.after = -1, .limit = 2, .max_bytes = bytesOf(5)}), (Indexes{0, 1}));
    EXPECT_EQ(page({.after = 4, .limit = 500, .max_bytes = 1}), (Indexes{5}));
}

} // namespace
} // namespace parley::server
