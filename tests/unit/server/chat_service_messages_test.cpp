#include "chat_service_fixture.hpp"
#include "server/chat_service.hpp"

namespace parley::server {
namespace {

using namespace chat_fixture;

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
