// The Store contract for appendMessages, the group commit's batch append, run against every
// implementation (store_suite.hpp): one transaction, indexes in the order given, all or nothing.

#include "store_suite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace parley::server::testing {
namespace {

template <typename Implementation> class StoreBatchTest : public StoreTest<Implementation> {
protected:
    NewMessage message(const Channel& channel, std::string body, std::string author = "alice") {
        return NewMessage{.sid = makeTestSid("IM"),
                          .channel_sid = channel.sid,
                          .author = std::move(author),
                          .body = std::move(body),
                          .attributes_json = R"({"n":1})",
                          .now = at(std::chrono::seconds{++this->clock_})};
    }

    /// One writer of the concurrent test: `batches` batches of `per_batch`, each of which must
    /// be one run of indexes whatever the other writers do; the indexes join `own`.
    void writeBatches(const Channel& channel, int batches, std::size_t per_batch,
                      std::vector<std::int64_t>& own, std::atomic<int>& failures) {
        for (int b = 0; b < batches; ++b) {
            std::vector<NewMessage> batch;
            for (std::size_t i = 0; i < per_batch; ++i) {
                batch.push_back(NewMessage{.sid = makeTestSid("IM"), // thread-safe
                                           .channel_sid = channel.sid,
                                           .author = "writer",
                                           .body = std::to_string(i)});
            }
            const auto sent = this->store().appendMessages(batch);
            const auto indexes = sent ? indexesOf(*sent) : std::vector<std::int64_t>{};
            if (indexes.size() != per_batch ||
                indexes.back() - indexes.front() != static_cast<std::int64_t>(per_batch) - 1) {
                ++failures;
                return;
            }
            own.insert(own.end(), indexes.begin(), indexes.end());
        }
    }

    static std::vector<std::string> bodiesOf(const std::vector<Message>& messages) {
        std::vector<std::string> bodies;
        for (const Message& message : messages) {
            bodies.push_back(message.body);
        }
        return bodies;
    }
};

TYPED_TEST_SUITE(StoreBatchTest, Implementations);

TYPED_TEST(StoreBatchTest, GivesConsecutiveIndexesInTheOrderGivenAndReturnsThemStored) {
    const Channel channel = this->create("general");
    this->append(channel); // index 0, before the batch
    std::vector<NewMessage> batch;
    for (int i = 0; i < 40; ++i) { // over one multi-row INSERT of the PostgreSQL store
        batch.push_back(
            this->message(channel, "m" + std::to_string(i), "author" + std::to_string(i)));
    }
    const auto appended = this->store().appendMessages(batch).value();
    ASSERT_EQ(appended.size(), batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        EXPECT_EQ(appended[i].index, static_cast<std::int64_t>(i) + 1);
        EXPECT_EQ(appended[i].sid, batch[i].sid);
        EXPECT_EQ(appended[i].channel_sid, channel.sid);
        EXPECT_EQ(appended[i].author, batch[i].author);
        EXPECT_EQ(appended[i].body, batch[i].body);
        EXPECT_EQ(appended[i].attributes_json, R"({"n":1})");
        EXPECT_EQ(appended[i].date_created, batch[i].now);
    }
    const auto stored = this->store().history(channel.sid, {.after = 0, .limit = 500}).value();
    EXPECT_EQ(this->bodiesOf(stored), this->bodiesOf(appended));
    EXPECT_EQ(indexesOf(stored), indexesOf(appended));
    EXPECT_EQ(this->append(channel).index, 41) << "the batch's indexes were taken again";
}

TYPED_TEST(StoreBatchTest, MessagesOfSeveralChannelsEachTakeTheirOwnChannelsNextIndex) {
    const Channel a = this->create("a");
    const Channel b = this->create("b");
    this->append(b);
    const std::vector<NewMessage> batch = {this->message(a, "a0"), this->message(b, "b1"),
                                           this->message(b, "b2"), this->message(a, "a1"),
                                           this->message(b, "b3")};
    const auto appended = this->store().appendMessages(batch).value();
    EXPECT_EQ(indexesOf(appended), (std::vector<std::int64_t>{0, 1, 2, 1, 3}));
    EXPECT_EQ(this->page(a, {.limit = 10}), (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(this->page(b, {.limit = 10}), (std::vector<std::int64_t>{0, 1, 2, 3}));
}

TYPED_TEST(StoreBatchTest, AnEmptyBatchStoresNothing) {
    const Channel channel = this->create("general");
    EXPECT_TRUE(this->store().appendMessages({}).value().empty());
    EXPECT_EQ(this->append(channel).index, 0);
}

TYPED_TEST(StoreBatchTest, AnUnknownChannelFailsTheWholeBatchAndTakesNoIndex) {
    const Channel channel = this->create("general");
    const Channel unknown{.sid = makeTestSid("CH")};
    const std::vector<NewMessage> batch = {this->message(channel, "kept?"),
                                           this->message(unknown, "nowhere")};
    EXPECT_EQ(this->store().appendMessages(batch).error(), StoreError::kNotFound);
    EXPECT_TRUE(this->store().history(channel.sid, {}).value().empty());
    EXPECT_EQ(this->append(channel).index, 0) << "the failed batch consumed an index";
}

TYPED_TEST(StoreBatchTest, ADuplicateSidFailsTheWholeBatchAndTakesNoIndex) {
    const Channel channel = this->create("general");
    std::vector<NewMessage> batch = {this->message(channel, "one"), this->message(channel, "two"),
                                     this->message(channel, "three")};
    batch[2].sid = batch[0].sid;
    EXPECT_EQ(this->store().appendMessages(batch).error(), StoreError::kFailed);
    EXPECT_TRUE(this->store().history(channel.sid, {}).value().empty());
    EXPECT_EQ(this->append(channel).index, 0) << "the failed batch consumed an index";
}

TYPED_TEST(StoreBatchTest, ABatchSurvivesReopening) {
    const Channel channel = this->create("general");
    const std::vector<NewMessage> batch = {this->message(channel, "one"),
                                           this->message(channel, "two")};
    ASSERT_TRUE(this->store().appendMessages(batch));
    this->reopen();
    EXPECT_EQ(this->bodiesOf(this->store().history(channel.sid, {}).value()),
              (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(this->append(channel).index, 2);
}

TYPED_TEST(StoreBatchTest, ConcurrentBatchesGetDistinctContiguousIndexesEachInItsOrder) {
    const Channel channel = this->create("general");
    constexpr int kThreads = 4;
    constexpr int kBatches = 10;
    constexpr std::size_t kPerBatch = 8;
    std::vector<std::vector<std::int64_t>> seen(kThreads);
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> writers;
        for (auto& own : seen) {
            writers.emplace_back([&, own_ptr = &own] {
                this->writeBatches(channel, kBatches, kPerBatch, *own_ptr, failures);
            });
        }
    }
    ASSERT_EQ(failures.load(), 0);
    expectEachWriterInOrderAndEveryIndexOnce(seen, std::size_t{kThreads} * kBatches * kPerBatch);
}

} // namespace
} // namespace parley::server::testing
