// The Store contract for paged channel lists and the per-creator channel quota, run against every
// implementation (store_suite.hpp): a PostgreSQL store must page and count the same way.

#include "store_suite.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace parley::server::testing {
namespace {

template <typename Implementation> class StorePagingTest : public StoreTest<Implementation> {
protected:
    /// Every page of `identity`'s list, `limit` at a time, with the `more` flag of each page.
    std::vector<ChannelPage> pages(std::optional<std::string_view> identity, std::size_t limit) {
        std::vector<ChannelPage> out;
        std::optional<std::string> after;
        do {
            out.push_back(
                this->store().listChannels(identity, {.after = after, .limit = limit}).value());
            after = out.back().channels.empty() ? std::nullopt
                                                : std::optional{out.back().channels.back().sid};
        } while (out.back().more && out.size() < 100);
        return out;
    }

    static std::vector<std::string> namesOf(const std::vector<ChannelPage>& pages) {
        std::vector<std::string> names;
        for (const ChannelPage& page : pages) {
            for (const Channel& channel : page.channels) {
                names.push_back(channel.unique_name);
            }
        }
        return names;
    }

    NewChannel withQuota(std::string unique_name, std::string creator, std::size_t quota) {
        NewChannel channel =
            this->newChannel(std::move(unique_name), ChannelType::kPublic, std::move(creator));
        channel.creator_quota = quota;
        return channel;
    }
};

TYPED_TEST_SUITE(StorePagingTest, Implementations);

using Names = std::vector<std::string>;

TYPED_TEST(StorePagingTest, PagesListEveryChannelOnceInCreationOrder) {
    for (const char* name : {"a", "b", "c", "d", "e", "f", "g"}) {
        this->create(name);
    }
    const auto pages = this->pages("alice", 3);
    ASSERT_EQ(pages.size(), 3U);
    EXPECT_EQ(pages[0].channels.size(), 3U);
    EXPECT_TRUE(pages[0].more);
    EXPECT_TRUE(pages[1].more);
    EXPECT_EQ(pages[2].channels.size(), 1U);
    EXPECT_FALSE(pages[2].more);
    EXPECT_EQ(this->namesOf(pages), (Names{"a", "b", "c", "d", "e", "f", "g"}));
}

TYPED_TEST(StorePagingTest, AFullLastPageSaysNoMore) {
    for (const char* name : {"a", "b", "c", "d"}) {
        this->create(name);
    }
    const auto pages = this->pages(std::nullopt, 2);
    ASSERT_EQ(pages.size(), 2U);
    EXPECT_TRUE(pages[0].more);
    EXPECT_FALSE(pages[1].more);
    EXPECT_EQ(this->store().listChannels("zed", {.limit = 5})->more, false);
}

TYPED_TEST(StorePagingTest, ChannelsCreatedWhilePagingComeLaterAndNoneIsSkippedOrRepeated) {
    for (const char* name : {"a", "b", "c", "d", "e"}) {
        this->create(name);
    }
    const auto first = this->store().listChannels("alice", {.limit = 2}).value();
    ASSERT_TRUE(first.more);
    this->create("f");
    this->create("g");
    const auto second =
        this->store().listChannels("alice", {.after = first.channels.back().sid, .limit = 10});
    ASSERT_TRUE(second);
    EXPECT_EQ(uniqueNamesOf(first.channels), (Names{"a", "b"}));
    EXPECT_EQ(uniqueNamesOf(second->channels), (Names{"c", "d", "e", "f", "g"}));
    EXPECT_FALSE(second->more);
}

TYPED_TEST(StorePagingTest, PagesHoldOnlyWhatTheIdentitySees) {
    this->create("lobby", ChannelType::kPublic, "alice");
    this->create("secret-1", ChannelType::kPrivate, "alice");
    this->create("news", ChannelType::kPublic, "alice");
    this->create("secret-2", ChannelType::kPrivate, "alice");
    this->create("bobs", ChannelType::kPrivate, "bob");
    this->create("secret-3", ChannelType::kPrivate, "alice");
    const auto bobs = this->pages("bob", 2);
    ASSERT_EQ(bobs.size(), 2U);
    EXPECT_FALSE(bobs[1].more) << "private channels after the last visible one are not more";
    EXPECT_EQ(this->namesOf(bobs), (Names{"lobby", "news", "bobs"}));
    EXPECT_EQ(this->namesOf(this->pages(std::nullopt, 4)),
              (Names{"lobby", "secret-1", "news", "secret-2", "bobs", "secret-3"}));
}

TYPED_TEST(StorePagingTest, ACursorKeepsItsPlaceAfterTheCallerLeavesThatChannel) {
    this->create("lobby");
    const Channel secret = this->create("secret", ChannelType::kPrivate, "alice");
    this->create("news");
    ASSERT_TRUE(this->store().removeMember(secret.sid, "alice").value());
    const auto rest = this->store().listChannels("alice", {.after = secret.sid, .limit = 10});
    ASSERT_TRUE(rest);
    EXPECT_EQ(uniqueNamesOf(rest->channels), (Names{"news"}));
}

TYPED_TEST(StorePagingTest, ACursorNamingNoChannelIsNotFound) {
    this->create("lobby");
    EXPECT_EQ(this->store().listChannels("alice", {.after = makeTestSid("CH")}).error(),
              StoreError::kNotFound);
    EXPECT_EQ(this->store().listChannels(std::nullopt, {.after = "lobby"}).error(),
              StoreError::kNotFound)
        << "a cursor is a SID, never a unique name";
}

TYPED_TEST(StorePagingTest, TheCreatorQuotaRefusesTheOneTooManyAndLeavesNoTrace) {
    Store& store = this->store();
    ASSERT_TRUE(store.createChannel(this->withQuota("one", "alice", 2)));
    ASSERT_TRUE(store.createChannel(this->withQuota("two", "alice", 2)));
    const NewChannel third = this->withQuota("three", "alice", 2);
    EXPECT_EQ(store.createChannel(third).error(), StoreError::kQuotaExceeded);
    EXPECT_EQ(store.findChannel("three").error(), StoreError::kNotFound);
    EXPECT_EQ(store.channelsOf("alice")->size(), 2U);
    // Another creator has a quota of its own; channels joined do not count, only those created.
    ASSERT_TRUE(store.createChannel(this->withQuota("bobs", "bob", 1)));
    ASSERT_TRUE(
        store.addMember(store.findChannel("bobs")->sid, "alice", at(std::chrono::hours{1})));
    EXPECT_EQ(store.createChannel(this->withQuota("bobs-2", "bob", 1)).error(),
              StoreError::kQuotaExceeded);
    EXPECT_TRUE(store.createChannel(this->withQuota("three", "alice", 3)));
    // Without a quota, nothing is counted.
    EXPECT_TRUE(store.createChannel(this->newChannel("four")));
}

TYPED_TEST(StorePagingTest, ConcurrentCreatesNeverOvershootTheQuota) {
    constexpr std::size_t kQuota = 10;
    std::atomic<std::size_t> created{0};
    std::vector<std::thread> threads;
    std::vector<NewChannel> requests;
    for (int i = 0; i < 40; ++i) {
        requests.push_back(this->withQuota("c" + std::to_string(i), "alice", kQuota));
    }
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = t; i < 40; i += 4) {
                if (this->store().createChannel(requests[static_cast<std::size_t>(i)])) {
                    ++created;
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(created.load(), kQuota);
    EXPECT_EQ(this->listAll(std::nullopt).size(), kQuota);
}

} // namespace
} // namespace parley::server::testing
