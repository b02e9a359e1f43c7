// PostgreSQL going away and coming back under a PostgresStore: calls fail with kFailed while it is
// down (rather than hang: the CTest timeout is the only clock here), and succeed again once it is
// back, on new connections, with nothing that was acknowledged lost and no index repeated.

#include "postgres_server.hpp"
#include "server/store/postgres_store.hpp"
#include "store_suite.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
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

// Threads that send until stopped, keeping what was acknowledged; tests wait on their progress.
class Senders {
public:
    template <typename Send> Senders(int threads, Send send) {
        for (int t = 0; t < threads; ++t) {
            threads_.emplace_back([this, send, t] {
                for (int i = 0; !stopping_; ++i) {
                    record(send(std::to_string(t) + "/" + std::to_string(i)));
                }
            });
        }
    }
    ~Senders() { stop(); }
    Senders(const Senders&) = delete;
    Senders& operator=(const Senders&) = delete;

    /// Waits (up to a minute, else fails) until `done(acknowledged, failed)` holds.
    template <typename Done> void waitUntil(Done done) {
        std::unique_lock lock{mutex_};
        EXPECT_TRUE(progress_.wait_for(lock, std::chrono::minutes{1},
                                       [&] { return done(acknowledged_.size(), failed_); }));
    }

    std::vector<Message> stop() {
        stopping_ = true;
        threads_.clear(); // joins
        const std::scoped_lock lock{mutex_};
        return acknowledged_;
    }

private:
    void record(StoreResult<Message> sent) {
        {
            const std::scoped_lock lock{mutex_};
            if (sent) {
                acknowledged_.push_back(*std::move(sent));
            } else {
                EXPECT_EQ(sent.error(), StoreError::kFailed);
                ++failed_;
            }
        }
        progress_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable progress_;
    std::vector<Message> acknowledged_;
    std::size_t failed_ = 0;
    std::atomic<bool> stopping_{false};
    std::vector<std::jthread> threads_;
};

// Senders keep sending through a restart: each send either is acknowledged, and then is in the
// history after the restart at the index it was given, or fails with kFailed.
TEST_F(PostgresFaultTest, NothingAcknowledgedIsLostAcrossARestart) {
    Senders senders{3, [this](const std::string& body) { return send(body); }};
    senders.waitUntil([](std::size_t acknowledged, std::size_t) { return acknowledged >= 20; });
    postgres_.stop();
    std::size_t before_restart = 0;
    senders.waitUntil([&](std::size_t acknowledged, std::size_t failed) {
        before_restart = acknowledged;
        return failed >= 3;
    });
    postgres_.start();
    senders.waitUntil(
        [&](std::size_t acknowledged, std::size_t) { return acknowledged >= before_restart + 20; });
    const std::vector<Message> acknowledged = senders.stop();

    const auto stored = store_->history(channel_.sid, {.limit = 100000}).value();
    for (std::size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(stored[i].index, static_cast<std::int64_t>(i)) << "indexes skip or repeat";
    }
    for (const Message& message : acknowledged) {
        const auto at_index = static_cast<std::size_t>(message.index);
        ASSERT_LT(at_index, stored.size()) << "acknowledged message " << message.sid << " lost";
        EXPECT_EQ(stored[at_index].sid, message.sid);
        EXPECT_EQ(stored[at_index].body, message.body);
    }
}

} // namespace
} // namespace parley::server::testing
