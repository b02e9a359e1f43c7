// PostgreSQL going away and coming back under a PostgresStore: calls fail with kFailed while it is
// down (rather than hang: the CTest timeout is the only clock here), and succeed again once it is
// back, on new connections, with nothing that was acknowledged lost and no index repeated.

#include "postgres_server.hpp"
#include "server/store/postgres_store.hpp"
#include "store_suite.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace parley::server::testing {
namespace {

using namespace std::chrono_literals;

// A server of its own: stopping the binary's shared one would disturb the other tests.
class PostgresFaultTest : public ::testing::Test {
protected:
    void SetUp() override {
        postgres_.createDatabase("faults");
        auto opened = PostgresStore::open(
            postgres_.url("faults"),
            PostgresOptions{.on_error = [this](std::string_view) { ++errors_; }});
        ASSERT_TRUE(opened) << opened.error();
        store_ = std::move(*opened);
        channel_ =
            store_
                ->createChannel(NewChannel{
                    .sid = makeTestSid("CH"), .unique_name = "general", .created_by = "alice"})
                .value();
    }

    StoreResult<Message> send(const std::string& body) {
        return store_->appendMessage(NewMessage{.sid = makeTestSid("IM"),
                                                .channel_sid = channel_.sid,
                                                .author = "alice",
                                                .body = body});
    }

    parley::testing::PostgresServer postgres_;
    std::unique_ptr<PostgresStore> store_;
    Channel channel_;
    std::atomic<int> errors_{0};
};

TEST_F(PostgresFaultTest, EveryCallFailsWhileDownAndSucceedsWhenBack) {
    ASSERT_EQ(send("before").value().index, 0);
    ASSERT_TRUE(store_->reachable());

    postgres_.stop();
    EXPECT_EQ(send("during").error(), StoreError::kFailed);
    EXPECT_EQ(store_->history(channel_.sid, {}).error(), StoreError::kFailed);
    EXPECT_EQ(store_->findChannel("general").error(), StoreError::kFailed);
    EXPECT_EQ(store_->addMember(channel_.sid, "bob", at(1s)).error(), StoreError::kFailed);
    EXPECT_EQ(store_->members(channel_.sid).error(), StoreError::kFailed);
    EXPECT_EQ(store_->listChannels("bob", {}).error(), StoreError::kFailed);
    EXPECT_EQ(store_
                  ->createChannel(NewChannel{
                      .sid = makeTestSid("CH"), .unique_name = "new", .created_by = "bob"})
                  .error(),
              StoreError::kFailed);
    EXPECT_FALSE(store_->reachable());
    EXPECT_GT(errors_.load(), 0) << "each failure is reported for the log";

    postgres_.start();
    EXPECT_TRUE(store_->reachable());
    EXPECT_EQ(send("after").value().index, 1) << "the failed send took no index";
    const auto stored = store_->history(channel_.sid, {}).value();
    ASSERT_EQ(stored.size(), 2U);
    EXPECT_EQ(stored[0].body, "before");
    EXPECT_EQ(stored[1].body, "after");
}

// Senders keep sending through a restart: each send either is acknowledged, and then is in the
// history after the restart at the index it was given, or fails with kFailed.
TEST_F(PostgresFaultTest, NothingAcknowledgedIsLostAcrossARestart) {
    std::mutex mutex;
    std::vector<Message> acknowledged;
    std::atomic<bool> stop{false};
    std::atomic<int> failed{0};
    std::atomic<int> sent_after_restart{0};
    std::atomic<bool> restarted{false};
    {
        std::vector<std::jthread> senders;
        for (int t = 0; t < 3; ++t) {
            senders.emplace_back([&, t] {
                for (int i = 0; !stop; ++i) {
                    auto sent = send(std::to_string(t) + "/" + std::to_string(i));
                    if (!sent) {
                        EXPECT_EQ(sent.error(), StoreError::kFailed);
                        ++failed;
                        continue;
                    }
                    if (restarted) {
                        ++sent_after_restart;
                    }
                    const std::scoped_lock lock{mutex};
                    acknowledged.push_back(*std::move(sent));
                }
            });
        }
        auto wait_for = [&](auto done) {
            while (!done()) {
                std::this_thread::yield();
            }
        };
        wait_for([&] {
            const std::scoped_lock lock{mutex};
            return acknowledged.size() >= 20;
        });
        postgres_.stop();
        wait_for([&] { return failed.load() >= 3; });
        postgres_.start();
        restarted = true;
        wait_for([&] { return sent_after_restart.load() >= 20; });
        stop = true;
    }

    const auto stored = store_->history(channel_.sid, {.limit = 100000}).value();
    std::set<std::int64_t> indexes;
    for (std::size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(stored[i].index, static_cast<std::int64_t>(i)) << "indexes skip or repeat";
        indexes.insert(stored[i].index);
    }
    for (const Message& message : acknowledged) {
        ASSERT_LT(static_cast<std::size_t>(message.index), stored.size());
        EXPECT_EQ(stored[static_cast<std::size_t>(message.index)].sid, message.sid);
        EXPECT_EQ(stored[static_cast<std::size_t>(message.index)].body, message.body);
    }
}

} // namespace
} // namespace parley::server::testing
