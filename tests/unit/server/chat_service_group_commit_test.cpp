// The group commit of message.send: sends that queue up while their channel's commit runs are
// stored together, answered after the commit, and published in index order.

#include "chat_service_fixture.hpp"
#include "server/chat_service.hpp"

#include <condition_variable>
#include <map>
#include <string>

namespace parley::server {
namespace {

using namespace chat_fixture;

class GroupCommitTest : public ChatServiceTest {
protected:
    struct Answer {
        std::string body;
        OpResult result;
    };

    /// Holds the one store worker until release(), so the sends handed over meanwhile queue up
    /// behind it: once it is released, each sender's checks run in its lane, in the order sent,
    /// then their channel's commit.
    void hold() {
        workers_.post([gate = gate_.get_future().share()] { gate.wait(); });
    }
    void release() { gate_.set_value(); }

    /// Hands `identity`'s send of `body` over without waiting; its answer joins answers().
    void sendAsync(const std::string& identity, const std::string& body,
                   token::TimePoint valid_until = token::TimePoint::max()) {
        Json args = {{"id", next_id_++},
                     {"op", protocol::op::kMessageSend},
                     {"channel", "general"},
                     {"body", body}};
        auto request = protocol::parseRequest(args.dump());
        ASSERT_TRUE(request);
        chat_->handle(identity, std::move(*request), valid_until, [this, body](OpResult result) {
            const std::lock_guard lock{mutex_};
            answers_.push_back(Answer{body, std::move(result)});
            answered_.notify_all();
        });
    }

    /// Every answer once `count` have come, in the order they came; fails after 10 s.
    std::vector<Answer> answers(std::size_t count) {
        std::unique_lock lock{mutex_};
        EXPECT_TRUE(answered_.wait_for(lock, 10s, [&] { return answers_.size() >= count; }))
            << answers_.size() << " of " << count << " answered";
        auto all = answers_;
        lock.unlock();
        settle();
        return all;
    }

    double sample(const std::string& name) {
        const std::string text = metrics_.render();
        const auto at = text.find("\n" + name + " ");
        EXPECT_NE(at, std::string::npos) << name;
        return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
    }

    std::promise<void> gate_;
    std::mutex mutex_;
    std::condition_variable answered_;
    std::vector<Answer> answers_;
};

TEST_F(GroupCommitTest, SendsQueuedBehindACommitAreStoredInOneAndPublishedInIndexOrder) {
    create("alice", "general");
    for (const char* member : {"bob", "carol"}) {
        ok(member, protocol::op::kChannelJoin, {{"channel", "general"}});
    }
    const auto listener = connect("alice");
    const double commits_before = sample("parley_store_commit_seconds_count");
    constexpr int kSends = 12;
    hold();
    for (int i = 0; i < kSends; ++i) {
        sendAsync(i % 2 == 0 ? "bob" : "carol", "m" + std::to_string(i));
    }
    release();
    const auto all = answers(kSends);
    ASSERT_EQ(all.size(), std::size_t{kSends});
    // Answered in index order; each sender's messages in the order it sent them (the two
    // senders' checks run in their own lanes, so they may interleave either way).
    std::map<std::string, int> last_sent{{"bob", -1}, {"carol", -1}};
    for (int i = 0; i < kSends; ++i) {
        const Answer& answer = all.at(static_cast<std::size_t>(i));
        ASSERT_TRUE(answer.result) << answer.body << ": " << answer.result.error().message;
        EXPECT_EQ(answer.result->at("message").at("index"), i) << answer.body;
        const int sent = std::stoi(answer.body.substr(1));
        int& last = last_sent[sent % 2 == 0 ? "bob" : "carol"];
        EXPECT_GT(sent, last) << "a sender's messages stored out of the order it sent them";
        last = sent;
    }
    EXPECT_EQ(sample("parley_store_commit_seconds_count") - commits_before, 1)
        << "the queued sends were not committed together";
    EXPECT_EQ(sample("parley_messages_stored_total"), kSends);
    const auto events = listener->events(protocol::event::kMessage);
    ASSERT_EQ(events.size(), std::size_t{kSends});
    for (int i = 0; i < kSends; ++i) {
        EXPECT_EQ(events.at(static_cast<std::size_t>(i)).at("message").at("index"), i);
    }
}

TEST_F(GroupCommitTest, ABatchStopsAtMaxBatchSendsAndTheRestFollowInOrder) {
    chat_ = std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_,
                                          ChatServiceOptions{.max_batch = 4});
    create("alice", "general");
    hold();
    for (int i = 0; i < 10; ++i) {
        sendAsync("alice", "m" + std::to_string(i));
    }
    release();
    const auto all = answers(10);
    for (std::size_t i = 0; i < all.size(); ++i) {
        ASSERT_TRUE(all[i].result);
        EXPECT_EQ(all[i].result->at("message").at("index"), i);
    }
    EXPECT_EQ(sample("parley_store_commit_seconds_count"), 3) << "batches of 4, 4 and 2";
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}}),
              (Indexes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(GroupCommitTest, ABatchStopsAtMaxBatchBytesButAlwaysTakesOneSend) {
    chat_ = std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_,
                                          ChatServiceOptions{.max_batch_bytes = 250});
    create("alice", "general");
    hold();
    sendAsync("alice", std::string(300, 'a')); // alone over the bound: a batch of its own
    for (int i = 0; i < 4; ++i) {
        sendAsync("alice", std::string(100, 'b')); // two a batch: {}, "body" counted too
    }
    release();
    const auto all = answers(5);
    for (std::size_t i = 0; i < all.size(); ++i) {
        ASSERT_TRUE(all[i].result);
        EXPECT_EQ(all[i].result->at("message").at("index"), i);
    }
    EXPECT_EQ(sample("parley_store_commit_seconds_count"), 3);
}

TEST_F(GroupCommitTest, ASendWhoseTokenExpiresWhileQueuedIsRefusedAndTheRestOfItsBatchStored) {
    create("alice", "general");
    hold();
    sendAsync("alice", "first");
    sendAsync("alice", "expiring", kStart + 1s);
    sendAsync("alice", "last");
    // Runs after the three checks (all before exp) and before the channel's commit, which the
    // first check posted behind it.
    workers_.post([this] { clock_.advance(1s); });
    release();
    const auto all = answers(3);
    std::vector<std::string> stored;
    for (const Answer& answer : all) {
        if (answer.result) {
            stored.push_back(answer.body);
        } else {
            EXPECT_EQ(answer.body, "expiring");
            EXPECT_TRUE(answer.result.error().token_expired) << answer.result.error().message;
        }
    }
    EXPECT_EQ(stored, (std::vector<std::string>{"first", "last"}));
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}}), (Indexes{0, 1}));
}

} // namespace
} // namespace parley::server
