#include "broker_barrier.hpp"
#include "protocol/names.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/chat_service.hpp"
#include "server/hub.hpp"
#include "server/store/sqlite_store.hpp"

#include <parley/token/api_key.hpp>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorCode;
using protocol::Json;

// The seam the hub writes to: records every frame and close instead of sending them.
class RecordingSink final : public SessionSink {
public:
    void deliver(const Payload& payload) override {
        const std::lock_guard lock{mutex_};
        frames_.push_back(Json::parse(*payload));
    }
    void close(protocol::CloseCode code) override {
        const std::lock_guard lock{mutex_};
        closes_.push_back(code);
    }
    /// Every event frame received, in order.
    std::vector<Json> events() const {
        const std::lock_guard lock{mutex_};
        return frames_;
    }
    /// Events named `name`.
    std::vector<Json> events(std::string_view name) const {
        std::vector<Json> out;
        for (const Json& frame : events()) {
            if (frame.value("event", "") == name) {
                out.push_back(frame);
            }
        }
        return out;
    }
    std::size_t closeCount() const {
        const std::lock_guard lock{mutex_};
        return closes_.size();
    }

private:
    mutable std::mutex mutex_;
    std::vector<Json> frames_;
    std::vector<protocol::CloseCode> closes_;
};

const token::TimePoint kStart{std::chrono::milliseconds{1'800'000'000'123}};
constexpr std::int64_t kStartMillis = 1'800'000'000'123;

class ChatServiceTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = std::filesystem::temp_directory_path() / "parley-chat-XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
        auto opened = SqliteStore::open(directory_ / "parley.db");
        ASSERT_TRUE(opened) << opened.error();
        store_ = std::move(*opened);
        chat_ = std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_);
    }
    void TearDown() override {
        workers_.stop();
        broker_.shutdown();
        chat_.reset();
        store_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    OpResult call(const std::string& identity, std::string_view op, Json args = Json::object()) {
        args["id"] = next_id_++;
        args["op"] = op;
        const auto request = protocol::parseRequest(args.dump());
        EXPECT_TRUE(request) << args.dump();
        if (!request) {
            return std::unexpected(OpError{ErrorCode::kMalformedFrame, "test frame did not parse"});
        }
        std::promise<OpResult> result;
        chat_->handle(identity, *request, [&result](OpResult done) { result.set_value(done); });
        auto answered = result.get_future();
        if (answered.wait_for(10s) != std::future_status::ready) {
            ADD_FAILURE() << "no answer within 10 s";
            return std::unexpected(OpError{ErrorCode::kInternal, "timed out"});
        }
        settle();
        return answered.get();
    }

    /// Waits until what the last op published has reached the sessions: the op publishes after
    /// its answer, on the one worker, so a task queued behind it runs once it has published; the
    /// broker barrier then waits for the deliveries.
    void settle() {
        std::promise<void> drained;
        workers_.post([&drained] { drained.set_value(); });
        drained.get_future().wait();
        barrier_.settle();
    }

    StoreResult<std::vector<std::string>> channelsOf(const std::string& identity) {
        std::promise<StoreResult<std::vector<std::string>>> result;
        chat_->channelsOf(identity, [&result](auto channels) { result.set_value(channels); });
        return result.get_future().get();
    }

    /// The reply fields of an op expected to succeed.
    Json ok(const std::string& identity, std::string_view op, Json args = Json::object()) {
        const OpResult result = call(identity, op, args);
        EXPECT_TRUE(result) << op << " " << args.dump() << ": "
                            << (result ? ""
                                       : std::to_string(static_cast<int>(result.error().code)) +
                                             " " + result.error().message);
        return result ? *result : Json{};
    }

    /// The error of an op expected to fail.
    OpError fails(const std::string& identity, std::string_view op, Json args = Json::object()) {
        const OpResult result = call(identity, op, args);
        EXPECT_FALSE(result) << op << " " << args.dump()
                             << " succeeded: " << (result ? result->dump() : "");
        if (result) {
            return OpError{ErrorCode::kInternal, "unexpected success"};
        }
        EXPECT_FALSE(result.error().message.empty());
        return result.error();
    }

    ErrorCode failsWith(const std::string& identity, std::string_view op,
                        Json args = Json::object()) {
        return fails(identity, op, std::move(args)).code;
    }

    /// Creates a channel; its reply's `channel` object.
    Json create(const std::string& identity, const std::string& unique_name,
                const std::string& type = "public") {
        return ok(identity, protocol::op::kChannelCreate,
                  {{"unique_name", unique_name}, {"type", type}})
            .value("channel", Json::object());
    }

    /// A session of `identity` attached to the hub with its channels, as init does.
    std::shared_ptr<RecordingSink> connect(const std::string& identity) {
        auto sink = std::make_shared<RecordingSink>();
        EXPECT_TRUE(hub_.attach(identity, sink, 16));
        const auto channels = channelsOf(identity);
        EXPECT_TRUE(channels);
        hub_.addChannels(identity, channels.value_or(std::vector<std::string>{}));
        return sink;
    }

    Json send(const std::string& identity, const std::string& channel, const std::string& body) {
        return ok(identity, protocol::op::kMessageSend, {{"channel", channel}, {"body", body}})
            .value("message", Json::object());
    }

    std::vector<std::int64_t> historyIndexes(const std::string& identity, Json args) {
        std::vector<std::int64_t> indexes;
        for (const Json& message : ok(identity, protocol::op::kMessageHistory, std::move(args))
                                       .value("messages", Json::array())) {
            indexes.push_back(message.at("index").get<std::int64_t>());
        }
        return indexes;
    }

    std::filesystem::path directory_;
    token::ManualClock clock_{kStart};
    Metrics metrics_;
    MemoryBroker broker_;
    BrokerBarrier barrier_{broker_};
    Hub hub_{broker_};
    StoreWorkers workers_{1}; // one, so settle() can queue behind an op
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<ChatService> chat_;
    std::uint64_t next_id_ = 1;
};

using Indexes = std::vector<std::int64_t>;

// ---- dispatch ----

TEST(ChatServiceOps, HandlesExactlyTheChannelAndMessageOps) {
    for (const std::string_view op :
         {protocol::op::kChannelCreate, protocol::op::kChannelList, protocol::op::kChannelJoin,
          protocol::op::kChannelLeave, protocol::op::kChannelMembers,
          protocol::op::kChannelAddMember, protocol::op::kMessageSend,
          protocol::op::kMessageHistory}) {
        EXPECT_TRUE(ChatService::handles(op)) << op;
    }
    for (const std::string_view op :
         {protocol::op::kInit, protocol::op::kUpdateToken, protocol::op::kPing,
          std::string_view{""}, std::string_view{"channel"}, std::string_view{"channel.delete"}}) {
        EXPECT_FALSE(ChatService::handles(op)) << op;
    }
}

TEST_F(ChatServiceTest, AnOpItDoesNotKnowIsUnknownOp) {
    const OpError error = fails("alice", "channel.delete", {{"channel", "x"}});
    EXPECT_EQ(error.code, ErrorCode::kUnknownOp);
    EXPECT_NE(error.message.find("channel.delete"), std::string::npos);
}

// ---- channel.create ----

TEST_F(ChatServiceTest, CreateReturnsTheChannelWithDefaults) {
    const Json channel = create("alice", "general");
    ASSERT_TRUE(channel.contains("sid"));
    EXPECT_TRUE(token::isSid(channel.at("sid").get<std::string>(), "CH")) << channel;
    EXPECT_EQ(channel.at("unique_name"), "general");
    EXPECT_EQ(channel.at("friendly_name"), "general");
    EXPECT_EQ(channel.at("type"), "public");
    EXPECT_EQ(channel.at("attributes"), Json::object());
    EXPECT_EQ(channel.at("created_by"), "alice");
    EXPECT_EQ(channel.at("date_created"), kStartMillis);
}

TEST_F(ChatServiceTest, CreateKeepsEveryGivenField) {
    const Json channel = ok("alice", protocol::op::kChannelCreate,
                            {{"unique_name", "ops"},
                             {"friendly_name", "Operations"},
                             {"type", "private"},
                             {"attributes", {{"topic", "pager"}, {"n", 3}}}})
                             .at("channel");
    EXPECT_EQ(channel.at("friendly_name"), "Operations");
    EXPECT_EQ(channel.at("type"), "private");
    EXPECT_EQ(channel.at("attributes"), (Json{{"topic", "pager"}, {"n", 3}}));
}

TEST_F(ChatServiceTest, CreateMakesTheCreatorItsFirstMember) {
    clock_.advance(5s);
    const Json channel = create("alice", "general");
    const Json members =
        ok("alice", protocol::op::kChannelMembers, {{"channel", "general"}}).at("members");
    EXPECT_EQ(members,
              (Json::array({{{"identity", "alice"}, {"joined_at", kStartMillis + 5000}}})));
    const auto channels = channelsOf("alice");
    ASSERT_TRUE(channels);
    EXPECT_EQ(*channels, (std::vector<std::string>{channel.at("sid").get<std::string>()}));
}

TEST_F(ChatServiceTest, CreateTellsTheCreatorsSessionsAndStartsDeliveringToThem) {
    const auto alice = connect("alice");
    const Json channel = create("alice", "general");
    const auto joined = alice->events(protocol::event::kMemberJoined);
    ASSERT_EQ(joined.size(), 1U);
    EXPECT_EQ(
        joined.front(),
        (Json{{"event", "member_joined"}, {"channel", channel.at("sid")}, {"identity", "alice"}}));
    send("alice", "general", "hi");
    EXPECT_EQ(alice->events(protocol::event::kMessage).size(), 1U);
}

TEST_F(ChatServiceTest, CreateRefusesATakenUniqueName) {
    create("alice", "general");
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelCreate, {{"unique_name", "general"}}),
              ErrorCode::kUniqueNameTaken);
    // Private or public, the name space is the same.
    create("alice", "secret", "private");
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelCreate,
                        {{"unique_name", "secret"}, {"type", "public"}}),
              ErrorCode::kUniqueNameTaken);
}

TEST_F(ChatServiceTest, CreateRefusesBadArguments) {
    const std::string_view op = protocol::op::kChannelCreate;
    EXPECT_EQ(failsWith("alice", op), ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"unique_name", ""}}), ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"unique_name", 7}}), ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"unique_name", "g"}, {"type", "secret"}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"unique_name", "g"}, {"type", 1}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"unique_name", "g"}, {"friendly_name", 1}}),
              ErrorCode::kInvalidArgument);
    // Nothing was created by the refused calls.
    EXPECT_EQ(ok("alice", protocol::op::kChannelList).at("channels"), Json::array());
}

TEST_F(ChatServiceTest, CreateRefusesAttributesThatAreNotAnObject) {
    for (const Json& attributes : {Json::array({1, 2}), Json("text"), Json(3), Json(true)}) {
        EXPECT_EQ(failsWith("alice", protocol::op::kChannelCreate,
                            {{"unique_name", "g"}, {"attributes", attributes}}),
                  ErrorCode::kInvalidAttributes)
            << attributes;
    }
}

TEST_F(ChatServiceTest, CreateTakesNullAttributesAsNone) {
    const Json channel =
        ok("alice", protocol::op::kChannelCreate, {{"unique_name", "g"}, {"attributes", nullptr}})
            .at("channel");
    EXPECT_EQ(channel.at("attributes"), Json::object());
}

// {"k":"xxx..."} whose compact JSON is exactly `size` bytes.
Json attributesOfSize(std::size_t size) {
    const std::size_t overhead = std::string{R"({"k":""})"}.size();
    Json attributes = {{"k", std::string(size - overhead, 'x')}};
    EXPECT_EQ(attributes.dump().size(), size);
    return attributes;
}

TEST_F(ChatServiceTest, CreateAcceptsAttributesOfExactly16KiBAndRefusesOneByteMore) {
    const Json at_limit = attributesOfSize(protocol::kMaxAttributesBytes);
    const Json channel = ok("alice", protocol::op::kChannelCreate,
                            {{"unique_name", "big"}, {"attributes", at_limit}})
                             .at("channel");
    EXPECT_EQ(channel.at("attributes"), at_limit);
    EXPECT_EQ(failsWith("alice", protocol::op::kChannelCreate,
                        {{"unique_name", "bigger"},
                         {"attributes", attributesOfSize(protocol::kMaxAttributesBytes + 1)}}),
              ErrorCode::kInvalidAttributes);
}

// ---- channel.list ----

TEST_F(ChatServiceTest, ListShowsPublicChannelsAndOnlyYourPrivateOnes) {
    create("alice", "general");
    create("alice", "alice-only", "private");
    create("bob", "bob-only", "private");
    const auto names = [this](const std::string& identity) {
        std::vector<std::string> out;
        const Json reply = ok(identity, protocol::op::kChannelList);
        for (const Json& channel : reply.at("channels")) {
            out.push_back(channel.at("unique_name").get<std::string>());
        }
        return out;
    };
    EXPECT_EQ(names("alice"), (std::vector<std::string>{"general", "alice-only"}));
    EXPECT_EQ(names("bob"), (std::vector<std::string>{"general", "bob-only"}));
    EXPECT_EQ(names("carol"), (std::vector<std::string>{"general"}));
}

// ---- channel.join ----

TEST_F(ChatServiceTest, JoinByUniqueNameOrSidReturnsTheChannel) {
    const Json channel = create("alice", "general");
    EXPECT_EQ(ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}}).at("channel"),
              channel);
    EXPECT_EQ(
        ok("carol", protocol::op::kChannelJoin, {{"channel", channel.at("sid")}}).at("channel"),
        channel);
    const Json members =
        ok("alice", protocol::op::kChannelMembers, {{"channel", "general"}}).at("members");
    ASSERT_EQ(members.size(), 3U);
    EXPECT_EQ(members[1].at("identity"), "bob");
    EXPECT_EQ(members[2].at("identity"), "carol");
}

TEST_F(ChatServiceTest, JoinTellsExistingMembersAndTheJoiner) {
    const Json channel = create("alice", "general");
    const auto alice = connect("alice");
    const auto bob = connect("bob");
    const auto carol = connect("carol");
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    const Json expected = {
        {"event", "member_joined"}, {"channel", channel.at("sid")}, {"identity", "bob"}};
    EXPECT_EQ(alice->events(protocol::event::kMemberJoined), (std::vector<Json>{expected}));
    EXPECT_EQ(bob->events(protocol::event::kMemberJoined), (std::vector<Json>{expected}));
    EXPECT_TRUE(carol->events().empty()) << "carol is not a member";
}

TEST_F(ChatServiceTest, JoiningTwiceSucceedsWithoutASecondEvent) {
    create("alice", "general");
    const auto alice = connect("alice");
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    ok("alice", protocol::op::kChannelJoin, {{"channel", "general"}});
    EXPECT_EQ(alice->events(protocol::event::kMemberJoined).size(), 1U);
}

TEST_F(ChatServiceTest, JoinOfAMissingChannelIsChannelNotFound) {
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelJoin, {{"channel", "nowhere"}}),
              ErrorCode::kChannelNotFound);
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelJoin,
                        {{"channel", "CH00000000000000000000000000000000"}}),
              ErrorCode::kChannelNotFound);
}

TEST_F(ChatServiceTest, APrivateChannelIsInvisibleToNonMembersLikeAMissingOne) {
    const Json secret = create("alice", "secret", "private");
    const auto alice = connect("alice");
    const OpError missing = fails("bob", protocol::op::kChannelJoin, {{"channel", "nowhere"}});
    for (const Json& reference : {Json("secret"), secret.at("sid")}) {
        const OpError hidden = fails("bob", protocol::op::kChannelJoin, {{"channel", reference}});
        EXPECT_EQ(hidden.code, ErrorCode::kChannelNotFound);
        EXPECT_EQ(hidden.message, missing.message) << "the answer must not reveal the channel";
    }
    for (const std::string_view op : {protocol::op::kChannelLeave, protocol::op::kChannelMembers,
                                      protocol::op::kMessageHistory}) {
        EXPECT_EQ(failsWith("bob", op, {{"channel", "secret"}}), ErrorCode::kChannelNotFound) << op;
    }
    EXPECT_EQ(failsWith("bob", protocol::op::kMessageSend, {{"channel", "secret"}, {"body", "x"}}),
              ErrorCode::kChannelNotFound);
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelAddMember,
                        {{"channel", "secret"}, {"identity", "bob"}}),
              ErrorCode::kChannelNotFound);
    // bob is still no member, and alice heard of nobody.
    const Json members =
        ok("alice", protocol::op::kChannelMembers, {{"channel", "secret"}}).at("members");
    EXPECT_EQ(members.size(), 1U);
    EXPECT_TRUE(alice->events().empty());
}

TEST_F(ChatServiceTest, ChannelArgumentIsRequiredAndAString) {
    create("alice", "general");
    for (const std::string_view op :
         {protocol::op::kChannelJoin, protocol::op::kChannelLeave, protocol::op::kChannelMembers,
          protocol::op::kMessageHistory}) {
        EXPECT_EQ(failsWith("alice", op), ErrorCode::kInvalidArgument) << op;
        EXPECT_EQ(failsWith("alice", op, {{"channel", 5}}), ErrorCode::kInvalidArgument) << op;
        EXPECT_EQ(failsWith("alice", op, {{"channel", ""}}), ErrorCode::kInvalidArgument) << op;
    }
}

// ---- channel.leave ----

TEST_F(ChatServiceTest, LeaveTellsEveryMemberIncludingTheLeaver) {
    const Json channel = create("alice", "general");
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    const auto alice = connect("alice");
    const auto bob = connect("bob");
    EXPECT_EQ(ok("bob", protocol::op::kChannelLeave, {{"channel", "general"}}).at("channel"),
              channel);
    const Json expected = {
        {"event", "member_left"}, {"channel", channel.at("sid")}, {"identity", "bob"}};
    EXPECT_EQ(alice->events(protocol::event::kMemberLeft), (std::vector<Json>{expected}));
    EXPECT_EQ(bob->events(protocol::event::kMemberLeft), (std::vector<Json>{expected}));
}

TEST_F(ChatServiceTest, TheLastLocalMemberLeavingStillGetsItsOwnMemberLeft) {
    const Json channel = create("alice", "general");
    const auto alice = connect("alice");
    ok("alice", protocol::op::kChannelLeave, {{"channel", "general"}});
    const auto left = alice->events(protocol::event::kMemberLeft);
    ASSERT_EQ(left.size(), 1U);
    EXPECT_EQ(left.front().at("identity"), "alice");
}

TEST_F(ChatServiceTest, AfterLeavingNoMoreEventsArrive) {
    create("alice", "general");
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    const auto bob = connect("bob");
    ok("bob", protocol::op::kChannelLeave, {{"channel", "general"}});
    const std::size_t before = bob->events().size();
    send("alice", "general", "after bob left");
    ok("carol", protocol::op::kChannelJoin, {{"channel", "general"}});
    EXPECT_EQ(bob->events().size(), before);
    const auto channels = channelsOf("bob");
    ASSERT_TRUE(channels);
    EXPECT_TRUE(channels->empty());
}

TEST_F(ChatServiceTest, LeavingAChannelYouAreNotInIsNotAMember) {
    create("alice", "general");
    const auto alice = connect("alice");
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelLeave, {{"channel", "general"}}),
              ErrorCode::kNotAMember);
    EXPECT_TRUE(alice->events(protocol::event::kMemberLeft).empty());
    ok("alice", protocol::op::kChannelLeave, {{"channel", "general"}});
    EXPECT_EQ(failsWith("alice", protocol::op::kChannelLeave, {{"channel", "general"}}),
              ErrorCode::kNotAMember);
}

TEST_F(ChatServiceTest, LeavingAPrivateChannelMakesItInvisible) {
    create("alice", "secret", "private");
    ok("alice", protocol::op::kChannelLeave, {{"channel", "secret"}});
    EXPECT_EQ(failsWith("alice", protocol::op::kChannelJoin, {{"channel", "secret"}}),
              ErrorCode::kChannelNotFound);
}

// ---- channel.members ----

TEST_F(ChatServiceTest, MembersListsIdentitiesInJoiningOrderWithJoinTimes) {
    create("alice", "general");
    clock_.advance(1s);
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    clock_.advance(1s);
    ok("carol", protocol::op::kChannelJoin, {{"channel", "general"}});
    const Json members =
        ok("dave", protocol::op::kChannelMembers, {{"channel", "general"}}).at("members");
    EXPECT_EQ(members,
              (Json::array({{{"identity", "alice"}, {"joined_at", kStartMillis}},
                            {{"identity", "bob"}, {"joined_at", kStartMillis + 1000}},
                            {{"identity", "carol"}, {"joined_at", kStartMillis + 2000}}})));
}

// ---- channel.add_member ----

TEST_F(ChatServiceTest, AMemberOfAPrivateChannelAddsSomeoneWhoThenSeesIt) {
    const Json secret = create("alice", "secret", "private");
    const auto alice = connect("alice");
    const auto bob = connect("bob");
    EXPECT_EQ(
        ok("alice", protocol::op::kChannelAddMember, {{"channel", "secret"}, {"identity", "bob"}})
            .at("channel"),
        secret);
    const Json expected = {
        {"event", "member_joined"}, {"channel", secret.at("sid")}, {"identity", "bob"}};
    EXPECT_EQ(alice->events(protocol::event::kMemberJoined).back(), expected);
    EXPECT_EQ(bob->events(protocol::event::kMemberJoined), (std::vector<Json>{expected}));
    // bob's connected session now hears the channel, and bob can use it.
    send("alice", "secret", "welcome");
    EXPECT_EQ(bob->events(protocol::event::kMessage).size(), 1U);
    send("bob", "secret", "thanks");
    ok("bob", protocol::op::kChannelMembers, {{"channel", "secret"}});
}

TEST_F(ChatServiceTest, AddingAnExistingMemberSucceedsWithoutAnEvent) {
    create("alice", "general");
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    const auto alice = connect("alice");
    ok("alice", protocol::op::kChannelAddMember, {{"channel", "general"}, {"identity", "bob"}});
    EXPECT_TRUE(alice->events().empty());
}

TEST_F(ChatServiceTest, OnlyAMemberMayAddMembers) {
    create("alice", "general");
    EXPECT_EQ(failsWith("bob", protocol::op::kChannelAddMember,
                        {{"channel", "general"}, {"identity", "carol"}}),
              ErrorCode::kNotAMember);
    const auto members =
        ok("alice", protocol::op::kChannelMembers, {{"channel", "general"}}).at("members");
    EXPECT_EQ(members.size(), 1U);
}

TEST_F(ChatServiceTest, AddMemberNeedsAnIdentity) {
    create("alice", "general");
    const std::string_view op = protocol::op::kChannelAddMember;
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}}), ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"identity", ""}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"identity", 3}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "nowhere"}, {"identity", "bob"}}),
              ErrorCode::kChannelNotFound);
}

// ---- message.send ----

TEST_F(ChatServiceTest, SendReturnsTheStoredMessage) {
    const Json channel = create("alice", "general");
    clock_.advance(250ms);
    const Json message = ok("alice", protocol::op::kMessageSend,
                            {{"channel", "general"}, {"body", "hi"}, {"attributes", {{"a", 1}}}})
                             .at("message");
    EXPECT_TRUE(token::isSid(message.at("sid").get<std::string>(), "IM")) << message;
    EXPECT_EQ(message.at("index"), 0);
    EXPECT_EQ(message.at("channel"), channel.at("sid"));
    EXPECT_EQ(message.at("author"), "alice");
    EXPECT_EQ(message.at("body"), "hi");
    EXPECT_EQ(message.at("attributes"), (Json{{"a", 1}}));
    EXPECT_EQ(message.at("date_created"), kStartMillis + 250);
}

TEST_F(ChatServiceTest, IndexesCountUpPerChannel) {
    create("alice", "one");
    create("alice", "two");
    EXPECT_EQ(send("alice", "one", "a").at("index"), 0);
    EXPECT_EQ(send("alice", "one", "b").at("index"), 1);
    EXPECT_EQ(send("alice", "two", "c").at("index"), 0);
    EXPECT_EQ(send("alice", "one", "d").at("index"), 2);
}

TEST_F(ChatServiceTest, SendPublishesTheMessageToMembersOnly) {
    const Json channel = create("alice", "general");
    ok("bob", protocol::op::kChannelJoin, {{"channel", "general"}});
    const auto alice = connect("alice");
    const auto bob = connect("bob");
    const auto carol = connect("carol");
    const Json message = send("bob", "general", "hello");
    const Json expected = {
        {"event", "message"}, {"channel", channel.at("sid")}, {"message", message}};
    EXPECT_EQ(alice->events(protocol::event::kMessage), (std::vector<Json>{expected}));
    EXPECT_EQ(bob->events(protocol::event::kMessage), (std::vector<Json>{expected}));
    EXPECT_TRUE(carol->events().empty());
    EXPECT_EQ(alice->closeCount(), 0U);
}

TEST_F(ChatServiceTest, SendCountsTheStoredMessageInMetrics) {
    create("alice", "general");
    send("alice", "general", "one");
    send("alice", "general", "two");
    const std::string text = metrics_.render();
    EXPECT_NE(text.find("parley_messages_stored_total 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("parley_store_commit_seconds_count 2\n"), std::string::npos) << text;
}

TEST_F(ChatServiceTest, SendingToAPublicChannelYouAreNotInIsNotAMember) {
    create("alice", "general");
    const auto alice = connect("alice");
    EXPECT_EQ(failsWith("bob", protocol::op::kMessageSend, {{"channel", "general"}, {"body", "x"}}),
              ErrorCode::kNotAMember);
    EXPECT_TRUE(alice->events(protocol::event::kMessage).empty());
}

TEST_F(ChatServiceTest, SendToAMissingChannelIsChannelNotFound) {
    EXPECT_EQ(failsWith("bob", protocol::op::kMessageSend, {{"channel", "nowhere"}, {"body", "x"}}),
              ErrorCode::kChannelNotFound);
}

TEST_F(ChatServiceTest, SendAcceptsABodyOfExactly32KiBAndRefusesOneByteMore) {
    create("alice", "general");
    const std::string at_limit(protocol::kMaxBodyBytes, 'x');
    EXPECT_EQ(send("alice", "general", at_limit).at("body"), at_limit);
    EXPECT_EQ(failsWith("alice", protocol::op::kMessageSend,
                        {{"channel", "general"},
                         {"body", std::string(protocol::kMaxBodyBytes + 1, 'x')}}),
              ErrorCode::kBodyTooLarge);
}

TEST_F(ChatServiceTest, TheBodyLimitCountsBytesNotCharacters) {
    create("alice", "general");
    std::string body;
    while (body.size() + 2 <= protocol::kMaxBodyBytes) {
        body += "\xc3\xa9"; // é, two bytes
    }
    body += "\xc3\xa9"; // 32 KiB + 1 or + 2 bytes, fewer characters than 32 Ki
    EXPECT_EQ(
        failsWith("alice", protocol::op::kMessageSend, {{"channel", "general"}, {"body", body}}),
        ErrorCode::kBodyTooLarge);
}

TEST_F(ChatServiceTest, SendNeedsAStringBody) {
    create("alice", "general");
    const std::string_view op = protocol::op::kMessageSend;
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}}), ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"body", 5}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"body", nullptr}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"body", "x"}}), ErrorCode::kInvalidArgument);
    // An empty body is a string.
    EXPECT_EQ(send("alice", "general", "").at("body"), "");
}

TEST_F(ChatServiceTest, SendRefusesBadAttributes) {
    create("alice", "general");
    const std::string_view op = protocol::op::kMessageSend;
    EXPECT_EQ(failsWith("alice", op,
                        {{"channel", "general"}, {"body", "x"}, {"attributes", Json::array()}}),
              ErrorCode::kInvalidAttributes);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"body", "x"}, {"attributes", "{}"}}),
              ErrorCode::kInvalidAttributes);
    EXPECT_EQ(failsWith("alice", op,
                        {{"channel", "general"},
                         {"body", "x"},
                         {"attributes", attributesOfSize(protocol::kMaxAttributesBytes + 1)}}),
              ErrorCode::kInvalidAttributes);
    const Json at_limit = attributesOfSize(protocol::kMaxAttributesBytes);
    EXPECT_EQ(ok("alice", op, {{"channel", "general"}, {"body", "x"}, {"attributes", at_limit}})
                  .at("message")
                  .at("attributes"),
              at_limit);
    // None of the refused sends took an index.
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}}), (Indexes{0}));
}

// ---- message.history ----

class ChatServiceHistoryTest : public ChatServiceTest {
protected:
    void SetUp() override {
        ChatServiceTest::SetUp();
        create("alice", "general");
        for (int i = 0; i < 10; ++i) {
            send("alice", "general", "m" + std::to_string(i));
        }
    }
};

TEST_F(ChatServiceHistoryTest, WithoutArgumentsReturnsTheNewestPageOldestFirst) {
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}}),
              (Indexes{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"limit", 3}}), (Indexes{7, 8, 9}));
}

TEST_F(ChatServiceHistoryTest, AfterPagesForwardFromAnIndex) {
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"after", -1}, {"limit", 3}}),
              (Indexes{0, 1, 2}));
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"after", 2}, {"limit", 3}}),
              (Indexes{3, 4, 5}));
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"after", 9}}), (Indexes{}));
}

TEST_F(ChatServiceHistoryTest, BeforePagesBackwardFromAnIndex) {
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"before", 5}, {"limit", 2}}),
              (Indexes{3, 4}));
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"before", 0}}), (Indexes{}));
}

TEST_F(ChatServiceHistoryTest, MessagesCarryTheirFields) {
    const Json messages =
        ok("alice", protocol::op::kMessageHistory, {{"channel", "general"}, {"limit", 1}})
            .at("messages");
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0].at("body"), "m9");
    EXPECT_EQ(messages[0].at("author"), "alice");
    EXPECT_EQ(messages[0].at("attributes"), Json::object());
}

TEST_F(ChatServiceHistoryTest, LimitMustBeBetween1And500) {
    const std::string_view op = protocol::op::kMessageHistory;
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"limit", 0}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"limit", -1}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(failsWith("alice", op, {{"channel", "general"}, {"limit", 501}}),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"limit", 1}}), (Indexes{9}));
    EXPECT_EQ(historyIndexes("alice", {{"channel", "general"}, {"limit", 500}}).size(), 10U);
}

TEST_F(ChatServiceHistoryTest, BeforeAndAfterTogetherAreRefused) {
    EXPECT_EQ(failsWith("alice", protocol::op::kMessageHistory,
                        {{"channel", "general"}, {"before", 5}, {"after", 1}}),
              ErrorCode::kInvalidArgument);
}

TEST_F(ChatServiceHistoryTest, NonIntegerPagingArgumentsAreRefused) {
    const std::string_view op = protocol::op::kMessageHistory;
    for (const char* name : {"before", "after", "limit"}) {
        for (const Json& value : {Json("3"), Json(2.5), Json(true)}) {
            const OpError error = fails("alice", op, {{"channel", "general"}, {name, value}});
            EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << name << "=" << value;
            EXPECT_NE(error.message.find(name), std::string::npos) << error.message;
        }
    }
}

TEST_F(ChatServiceHistoryTest, APublicChannelsHistoryIsReadableByNonMembers) {
    EXPECT_EQ(historyIndexes("bob", {{"channel", "general"}, {"limit", 2}}), (Indexes{8, 9}));
}

} // namespace
} // namespace parley::server
