#include "store_suite.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace parley::server::testing {
namespace {

using namespace std::chrono_literals;

TYPED_TEST_SUITE(StoreTest, Implementations);

TYPED_TEST(StoreTest, FindsACreatedChannelBySidAndByUniqueName) {
    NewChannel request = this->newChannel("general", ChannelType::kPrivate);
    request.friendly_name = "General";
    request.attributes_json = R"({"topic":"all"})";
    const auto created = this->store().createChannel(request);
    ASSERT_TRUE(created);
    EXPECT_EQ(created->sid, request.sid);

    for (const std::string& key : {request.sid, std::string{"general"}}) {
        const auto found = this->store().findChannel(key);
        ASSERT_TRUE(found) << key;
        EXPECT_EQ(found->sid, request.sid);
        EXPECT_EQ(found->unique_name, "general");
        EXPECT_EQ(found->friendly_name, "General");
        EXPECT_EQ(found->type, ChannelType::kPrivate);
        EXPECT_EQ(found->attributes_json, R"({"topic":"all"})");
        EXPECT_EQ(found->created_by, "alice");
        EXPECT_EQ(found->date_created, request.now);
    }
}

TYPED_TEST(StoreTest, FindsNothingForAnUnknownSidOrName) {
    this->create("general");
    EXPECT_EQ(this->store().findChannel("random").error(), StoreError::kNotFound);
    EXPECT_EQ(this->store().findChannel(makeTestSid("CH")).error(), StoreError::kNotFound);
    EXPECT_EQ(this->store().findChannel("").error(), StoreError::kNotFound);
}

TYPED_TEST(StoreTest, FindPrefersTheSidWhenAnotherChannelHasItAsUniqueName) {
    const Channel target = this->create("target");
    this->create(target.sid); // a unique name that looks like the other channel's SID
    EXPECT_EQ(this->store().findChannel(target.sid)->unique_name, "target");
}

TYPED_TEST(StoreTest, RefusesATakenUniqueNameAndLeavesNoTrace) {
    const Channel first = this->create("general");
    const NewChannel second = this->newChannel("general", ChannelType::kPublic, "bob");
    EXPECT_EQ(this->store().createChannel(second).error(), StoreError::kUniqueNameTaken);

    EXPECT_EQ(this->store().findChannel(second.sid).error(), StoreError::kNotFound);
    EXPECT_EQ(this->store().findChannel("general")->sid, first.sid);
    EXPECT_TRUE(this->store().channelsOf("bob")->empty());
    EXPECT_EQ(this->listAll("bob").size(), 1U);
}

TYPED_TEST(StoreTest, ChannelsWithoutUniqueNameDoNotCollide) {
    const Channel first = this->create("");
    const Channel second = this->create("");
    EXPECT_EQ(this->store().findChannel(first.sid)->unique_name, "");
    EXPECT_EQ(this->store().findChannel(second.sid)->unique_name, "");
}

TYPED_TEST(StoreTest, MakesTheCreatorTheFirstMember) {
    const NewChannel request = this->newChannel("general", ChannelType::kPrivate, "alice");
    ASSERT_TRUE(this->store().createChannel(request));
    const auto members = this->store().members(request.sid);
    ASSERT_TRUE(members);
    ASSERT_EQ(members->size(), 1U);
    EXPECT_EQ(members->front().identity, "alice");
    EXPECT_EQ(members->front().joined_at, request.now);
    EXPECT_TRUE(this->store().isMember(request.sid, "alice").value());
    EXPECT_EQ(this->store().channelsOf("alice").value(),
              (std::vector<MemberChannel>{{.sid = request.sid, .next_index = 0}}));
}

TYPED_TEST(StoreTest, ListsPublicChannelsAndOwnPrivateOnesOldestFirst) {
    this->create("lobby", ChannelType::kPublic, "alice");
    const Channel alices = this->create("alice-secret", ChannelType::kPrivate, "alice");
    this->create("bob-secret", ChannelType::kPrivate, "bob");
    this->create("news", ChannelType::kPublic, "bob");
    ASSERT_TRUE(this->store().addMember(alices.sid, "carol", at(1h)));

    using Names = std::vector<std::string>;
    EXPECT_EQ(uniqueNamesOf(this->listAll("alice")), (Names{"lobby", "alice-secret", "news"}));
    EXPECT_EQ(uniqueNamesOf(this->listAll("bob")), (Names{"lobby", "bob-secret", "news"}));
    EXPECT_EQ(uniqueNamesOf(this->listAll("carol")), (Names{"lobby", "alice-secret", "news"}));
    EXPECT_EQ(uniqueNamesOf(this->listAll("dave")), (Names{"lobby", "news"}));
}

TYPED_TEST(StoreTest, AddAndRemoveMemberAreIdempotent) {
    const Channel channel = this->create("general");
    Store& store = this->store();
    EXPECT_FALSE(store.isMember(channel.sid, "bob").value());
    EXPECT_TRUE(store.addMember(channel.sid, "bob", at(1h)).value());
    EXPECT_FALSE(store.addMember(channel.sid, "bob", at(2h)).value());
    EXPECT_TRUE(store.isMember(channel.sid, "bob").value());
    EXPECT_EQ(store.members(channel.sid)->back().joined_at, at(1h)) << "re-adding moved joined_at";

    EXPECT_TRUE(store.removeMember(channel.sid, "bob").value());
    EXPECT_FALSE(store.removeMember(channel.sid, "bob").value());
    EXPECT_FALSE(store.isMember(channel.sid, "bob").value());
    EXPECT_FALSE(store.removeMember(channel.sid, "nobody").value());
}

TYPED_TEST(StoreTest, ListsMembersInJoiningOrder) {
    const Channel channel = this->create("general", ChannelType::kPublic, "alice");
    Store& store = this->store();
    // The same timestamp for all: the order must come from joining, not from the clock.
    for (const char* identity : {"zoe", "bob", "carol", "adam"}) {
        ASSERT_TRUE(store.addMember(channel.sid, identity, at(1h)).value());
    }
    ASSERT_TRUE(store.removeMember(channel.sid, "bob").value());
    ASSERT_TRUE(store.addMember(channel.sid, "bob", at(1h)).value());

    EXPECT_EQ(identitiesOf(store.members(channel.sid).value()),
              (std::vector<std::string>{"alice", "zoe", "carol", "adam", "bob"}));
}

// In the order joined, each with the index its next message will take (where a new session's
// deliveries start).
TYPED_TEST(StoreTest, ChannelsOfListsEveryCurrentMembershipWithItsNextIndex) {
    const Channel a = this->create("a", ChannelType::kPublic, "alice");
    const Channel b = this->create("b", ChannelType::kPrivate, "bob");
    const Channel c = this->create("c", ChannelType::kPublic, "bob");
    Store& store = this->store();
    ASSERT_TRUE(store.addMember(b.sid, "alice", at(1h)));
    ASSERT_TRUE(store.addMember(c.sid, "alice", at(1h)));
    ASSERT_TRUE(store.removeMember(a.sid, "alice"));
    this->append(c);
    this->append(c);

    EXPECT_EQ(store.channelsOf("alice").value(),
              (std::vector<MemberChannel>{{.sid = b.sid, .next_index = 0},
                                          {.sid = c.sid, .next_index = 2}}));
    EXPECT_TRUE(store.channelsOf("nobody")->empty());
}

TYPED_TEST(StoreTest, ChannelOperationsOnAnUnknownChannelAreNotFound) {
    const std::string unknown = makeTestSid("CH");
    Store& store = this->store();
    EXPECT_EQ(store.addMember(unknown, "bob", at(0s)).error(), StoreError::kNotFound);
    EXPECT_EQ(store.removeMember(unknown, "bob").error(), StoreError::kNotFound);
    EXPECT_EQ(store.isMember(unknown, "bob").error(), StoreError::kNotFound);
    EXPECT_EQ(store.members(unknown).error(), StoreError::kNotFound);
    EXPECT_EQ(store.history(unknown, {}).error(), StoreError::kNotFound);
    const auto appended = store.appendMessage(NewMessage{
        .sid = makeTestSid("IM"), .channel_sid = unknown, .author = "bob", .body = "hi"});
    EXPECT_EQ(appended.error(), StoreError::kNotFound);
}

TYPED_TEST(StoreTest, IndexesEachChannelFromZeroIndependently) {
    const Channel a = this->create("a");
    const Channel b = this->create("b");
    EXPECT_EQ(this->append(a).index, 0);
    EXPECT_EQ(this->append(a).index, 1);
    EXPECT_EQ(this->append(b).index, 0);
    EXPECT_EQ(this->append(a).index, 2);
    EXPECT_EQ(this->append(b).index, 1);
    EXPECT_EQ(this->append(b).index, 2);
}

TYPED_TEST(StoreTest, ReturnsTheMessageAsStored) {
    const Channel channel = this->create("general");
    const NewMessage request{.sid = makeTestSid("IM"),
                             .channel_sid = channel.sid,
                             .author = "bob",
                             .body = "hi",
                             .attributes_json = R"({"a":1})",
                             .now = at(5s)};
    const Message returned = this->store().appendMessage(request).value();
    const auto stored = this->store().history(channel.sid, {}).value();
    ASSERT_EQ(stored.size(), 1U);
    for (const Message& message : {returned, stored.front()}) {
        EXPECT_EQ(message.sid, request.sid);
        EXPECT_EQ(message.channel_sid, channel.sid);
        EXPECT_EQ(message.index, 0);
        EXPECT_EQ(message.author, "bob");
        EXPECT_EQ(message.body, "hi");
        EXPECT_EQ(message.attributes_json, R"({"a":1})");
        EXPECT_EQ(message.date_created, at(5s));
    }
}

TYPED_TEST(StoreTest, NeverRepeatsAnIndexAfterReopening) {
    Channel channel = this->create("general");
    for (int i = 0; i < 3; ++i) {
        this->append(channel);
    }
    this->reopen();
    EXPECT_EQ(this->append(channel).index, 3);
    this->reopen();
    EXPECT_EQ(this->append(channel).index, 4);
    EXPECT_EQ(this->page(channel, {}), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(this->store().findChannel("general")->sid, channel.sid);
    EXPECT_TRUE(this->store().isMember(channel.sid, "alice").value());
}

TYPED_TEST(StoreTest, HistoryWithoutCursorIsTheNewestPageOldestFirst) {
    const Channel channel = this->create("general");
    for (int i = 0; i < 10; ++i) {
        this->append(channel);
    }
    using Indexes = std::vector<std::int64_t>;
    EXPECT_EQ(this->page(channel, {.limit = 3}), (Indexes{7, 8, 9}));
    EXPECT_EQ(this->page(channel, {}).size(), 10U) << "default limit is 50";
}

TYPED_TEST(StoreTest, HistoryBeforeIsThePageJustBelowTheIndex) {
    const Channel channel = this->create("general");
    for (int i = 0; i < 10; ++i) {
        this->append(channel);
    }
    using Indexes = std::vector<std::int64_t>;
    EXPECT_EQ(this->page(channel, {.before = 5, .limit = 3}), (Indexes{2, 3, 4}));
    EXPECT_EQ(this->page(channel, {.before = 2, .limit = 3}), (Indexes{0, 1}));
    EXPECT_EQ(this->page(channel, {.before = 1, .limit = 3}), (Indexes{0}));
    EXPECT_EQ(this->page(channel, {.before = 0, .limit = 3}), Indexes{});
    EXPECT_EQ(this->page(channel, {.before = 100, .limit = 2}), (Indexes{8, 9}));
}

TYPED_TEST(StoreTest, HistoryAfterIsThePageJustAboveTheIndex) {
    const Channel channel = this->create("general");
    for (int i = 0; i < 10; ++i) {
        this->append(channel);
    }
    using Indexes = std::vector<std::int64_t>;
    EXPECT_EQ(this->page(channel, {.after = 5, .limit = 3}), (Indexes{6, 7, 8}));
    EXPECT_EQ(this->page(channel, {.after = 7, .limit = 3}), (Indexes{8, 9}));
    EXPECT_EQ(this->page(channel, {.after = 8, .limit = 3}), (Indexes{9}));
    EXPECT_EQ(this->page(channel, {.after = 9, .limit = 3}), Indexes{});
    EXPECT_EQ(this->page(channel, {.after = -1, .limit = 2}), (Indexes{0, 1}));
}

TYPED_TEST(StoreTest, HistoryLimitBeyondWhatExistsReturnsAll) {
    const Channel channel = this->create("general");
    const Channel empty = this->create("empty");
    for (int i = 0; i < 4; ++i) {
        this->append(channel);
    }
    using Indexes = std::vector<std::int64_t>;
    EXPECT_EQ(this->page(channel, {.limit = 500}), (Indexes{0, 1, 2, 3}));
    EXPECT_EQ(this->page(channel, {.after = 0, .limit = 500}), (Indexes{1, 2, 3}));
    EXPECT_EQ(this->page(channel, {.before = 3, .limit = 500}), (Indexes{0, 1, 2}));
    EXPECT_EQ(this->page(channel, {.limit = std::numeric_limits<std::size_t>::max()}).size(), 4U);
    EXPECT_EQ(this->page(channel, {.limit = 0}), Indexes{});
    EXPECT_EQ(this->page(empty, {}), Indexes{});
}

TYPED_TEST(StoreTest, ConcurrentAppendsGetDistinctContiguousIndexes) {
    const Channel channel = this->create("general");
    constexpr int kThreads = 4;
    constexpr int kPerThread = 50;
    std::vector<std::vector<std::int64_t>> seen(kThreads);
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> writers;
        writers.reserve(kThreads);
        for (int t = 0; t < kThreads; ++t) {
            writers.emplace_back([&, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    const auto sent = this->store().appendMessage(
                        NewMessage{.sid = makeTestSid("IM"),
                                   .channel_sid = channel.sid,
                                   .author = "writer" + std::to_string(t),
                                   .body = std::to_string(i)});
                    if (!sent) {
                        ++failures;
                        return;
                    }
                    seen[static_cast<std::size_t>(t)].push_back(sent->index);
                }
            });
        }
    }
    ASSERT_EQ(failures.load(), 0);

    const std::size_t total = std::size_t{kThreads} * kPerThread;
    expectEachWriterInOrderAndEveryIndexOnce(seen, total);
    std::vector<std::int64_t> expected(total);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(this->page(channel, {.limit = 500}), expected);
}

TYPED_TEST(StoreTest, RoundTripsUnicodeBodiesAndAttributes) {
    NewChannel request = this->newChannel("général-世界");
    request.friendly_name = "Général 👋";
    request.attributes_json = R"({"emoji":"🎉","nested":{"list":[1,"ü"]}})";
    const Channel channel = this->store().createChannel(request).value();
    EXPECT_EQ(this->store().findChannel("général-世界")->friendly_name, "Général 👋");
    EXPECT_EQ(this->store().findChannel(channel.sid)->attributes_json, request.attributes_json);

    const std::string body = std::string{"héllo 👋 世界, "} + '\0' + " after a NUL byte";
    const std::string attributes = R"({"mood":"😀","quote":"\"x\""})";
    ASSERT_TRUE(this->store().appendMessage(NewMessage{.sid = makeTestSid("IM"),
                                                       .channel_sid = channel.sid,
                                                       .author = "zoë",
                                                       .body = body,
                                                       .attributes_json = attributes}));
    const auto stored = this->store().history(channel.sid, {}).value();
    ASSERT_EQ(stored.size(), 1U);
    EXPECT_EQ(stored.front().body, body);
    EXPECT_EQ(stored.front().body.size(), body.size());
    EXPECT_EQ(stored.front().author, "zoë");
    EXPECT_EQ(stored.front().attributes_json, attributes);
    EXPECT_EQ(identitiesOf(this->store().members(channel.sid).value()).front(), "alice");
}

TYPED_TEST(StoreTest, AnAcknowledgedMessageSurvivesKillOfTheProcess) {
    const Channel channel = this->create("general");
    this->append(channel, "before");
    this->store_.reset(); // the child must not inherit an open connection

    std::array<int, 2> pipe_ends{};
    ASSERT_EQ(pipe(pipe_ends.data()), 0);
    const pid_t child = fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // No gtest assertions in the child: it reports through the pipe and dies by SIGKILL, so
        // no destructor, close or checkpoint runs after the acknowledgement.
        close(pipe_ends[0]);
        std::int64_t acknowledged = -1;
        if (auto store = this->traits_.open()) {
            // Not makeTestSid: the child's copy of its counter would hand out the parent's next.
            if (auto sent = store->appendMessage(NewMessage{.sid = "IM" + std::string(32, 'c'),
                                                            .channel_sid = channel.sid,
                                                            .author = "bob",
                                                            .body = "acknowledged"})) {
                acknowledged = sent->index;
            }
            (void)write(pipe_ends[1], &acknowledged, sizeof acknowledged);
            kill(getpid(), SIGKILL);
        }
        _exit(1);
    }
    close(pipe_ends[1]);
    std::int64_t acknowledged = -1;
    const auto got = read(pipe_ends[0], &acknowledged, sizeof acknowledged);
    close(pipe_ends[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_EQ(got, static_cast<ssize_t>(sizeof acknowledged));
    ASSERT_EQ(acknowledged, 1);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    this->store_ = this->traits_.open();
    ASSERT_NE(this->store_, nullptr);
    const auto stored = this->store().history(channel.sid, {}).value();
    ASSERT_EQ(stored.size(), 2U);
    EXPECT_EQ(stored.back().index, 1);
    EXPECT_EQ(stored.back().body, "acknowledged");
    EXPECT_EQ(this->append(channel).index, 2);
}

TEST(ChannelType, NamesRoundTrip) {
    for (ChannelType type : {ChannelType::kPublic, ChannelType::kPrivate}) {
        EXPECT_EQ(parseChannelType(channelTypeName(type)), type);
    }
    EXPECT_EQ(channelTypeName(ChannelType::kPublic), "public");
    EXPECT_EQ(channelTypeName(ChannelType::kPrivate), "private");
    EXPECT_EQ(parseChannelType("Public"), std::nullopt);
    EXPECT_EQ(parseChannelType(""), std::nullopt);
}

} // namespace
} // namespace parley::server::testing

namespace parley::server::testing {
namespace {

TYPED_TEST(StoreTest, ListingWithoutAnIdentityShowsEveryChannel) {
    this->store().createChannel(NewChannel{
        .sid = "CH00000000000000000000000000000001", .unique_name = "open", .created_by = "alice"});
    this->store().createChannel(NewChannel{.sid = "CH00000000000000000000000000000002",
                                           .unique_name = "closed",
                                           .type = ChannelType::kPrivate,
                                           .created_by = "alice"});
    EXPECT_EQ(this->listAll(std::nullopt).size(), 2U);
    EXPECT_EQ(this->listAll("bob").size(), 1U);
}

} // namespace
} // namespace parley::server::testing
