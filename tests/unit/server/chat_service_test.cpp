#include "chat_service_fixture.hpp"
#include "server/chat_service.hpp"

namespace parley::server {
namespace {

using namespace chat_fixture;

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
    EXPECT_EQ(*channels, (std::vector<MemberChannel>{
                             {.sid = channel.at("sid").get<std::string>(), .next_index = 0}}));
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

} // namespace
} // namespace parley::server
