// Chat operations and their events between two identities over a real server.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

namespace parley::testing {
namespace {

class ChatTest : public ::testing::Test {
protected:
    ServerProcess server_;
    WsTestClient alice_{server_.port()};
    WsTestClient bob_{server_.port()};

    void SetUp() override {
        ASSERT_EQ(alice_.request("init", {{"token", mintToken("alice", 600s)}})["ok"], true);
        ASSERT_EQ(bob_.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);
    }
};

TEST_F(ChatTest, CreateJoinSendDeliversEventsToConnectedMembers) {
    const Json created = alice_.request(
        "channel.create",
        {{"unique_name", "general"}, {"friendly_name", "General"}, {"type", "public"}});
    ASSERT_EQ(created["ok"], true) << created.dump();
    const Json channel = created["channel"];
    EXPECT_TRUE(channel["sid"].get<std::string>().starts_with("CH"));
    EXPECT_EQ(channel["sid"].get<std::string>().size(), 34U);
    EXPECT_EQ(channel["unique_name"], "general");
    EXPECT_EQ(channel["friendly_name"], "General");
    EXPECT_EQ(channel["type"], "public");
    EXPECT_EQ(channel["created_by"], "alice");

    const Json joined = bob_.request("channel.join", {{"channel", "general"}});
    ASSERT_EQ(joined["ok"], true) << joined.dump();
    const auto member_joined = alice_.waitFor([](const Json& f) {
        return f.value("event", "") == "member_joined" && f.value("identity", "") == "bob";
    });
    ASSERT_TRUE(member_joined.has_value());
    EXPECT_EQ(member_joined->at("channel"), channel["sid"]);

    const Json sent = alice_.request("message.send", {{"channel", channel["sid"]},
                                                      {"body", "hello bob"},
                                                      {"attributes", {{"mood", "cheerful"}}}});
    ASSERT_EQ(sent["ok"], true) << sent.dump();
    EXPECT_EQ(sent["message"]["index"], 0);
    EXPECT_TRUE(sent["message"]["sid"].get<std::string>().starts_with("IM"));
    const auto received = bob_.waitForEvent("message");
    ASSERT_TRUE(received.has_value());
    EXPECT_EQ(received->at("channel"), channel["sid"]);
    EXPECT_EQ(received->at("message")["body"], "hello bob");
    EXPECT_EQ(received->at("message")["author"], "alice");
    EXPECT_EQ(received->at("message")["index"], 0);
    EXPECT_EQ(received->at("message")["attributes"]["mood"], "cheerful");

    const Json members = bob_.request("channel.members", {{"channel", "general"}});
    ASSERT_EQ(members["members"].size(), 2U);
    EXPECT_EQ(members["members"][0]["identity"], "alice");
    EXPECT_EQ(members["members"][1]["identity"], "bob");

    const Json left = bob_.request("channel.leave", {{"channel", "general"}});
    ASSERT_EQ(left["ok"], true);
    EXPECT_TRUE(alice_
                    .waitFor([](const Json& f) {
                        return f.value("event", "") == "member_left" &&
                               f.value("identity", "") == "bob";
                    })
                    .has_value());
    ASSERT_EQ(alice_.request("message.send", {{"channel", "general"}, {"body", "gone?"}})["ok"],
              true);
    EXPECT_FALSE(bob_.waitForEvent("message", 300ms).has_value())
        << "a member who left still receives messages";
}

TEST_F(ChatTest, IndexesArePerChannelFromZeroAndNeverRepeat) {
    ASSERT_EQ(alice_.request("channel.create", {{"unique_name", "a"}})["ok"], true);
    ASSERT_EQ(alice_.request("channel.create", {{"unique_name", "b"}})["ok"], true);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(
            alice_.request("message.send", {{"channel", "a"}, {"body", "x"}})["message"]["index"],
            i);
    }
    EXPECT_EQ(alice_.request("message.send", {{"channel", "b"}, {"body", "y"}})["message"]["index"],
              0);
}

TEST_F(ChatTest, PrivateChannelsAreVisibleAndJoinableOnlyByMembers) {
    ASSERT_EQ(
        alice_.request("channel.create", {{"unique_name", "secret"}, {"type", "private"}})["ok"],
        true);
    EXPECT_EQ(bob_.request("channel.join", {{"channel", "secret"}})["error"]["code"], 50100);
    EXPECT_EQ(bob_.request("message.history", {{"channel", "secret"}})["error"]["code"], 50100);
    const Json bob_list = bob_.request("channel.list");
    for (const Json& channel : bob_list["channels"]) {
        EXPECT_NE(channel["unique_name"], "secret");
    }
    EXPECT_EQ(bob_.request("channel.add_member",
                           {{"channel", "secret"}, {"identity", "bob"}})["error"]["code"],
              50100);

    const Json added =
        alice_.request("channel.add_member", {{"channel", "secret"}, {"identity", "bob"}});
    ASSERT_EQ(added["ok"], true) << added.dump();
    // Bob is told he was added, and now sees the channel and its messages.
    EXPECT_TRUE(bob_.waitFor([](const Json& f) {
                        return f.value("event", "") == "member_joined" &&
                               f.value("identity", "") == "bob";
                    })
                    .has_value());
    bool listed = false;
    const Json after_add = bob_.request("channel.list");
    for (const Json& channel : after_add["channels"]) {
        listed = listed || channel["unique_name"] == "secret";
    }
    EXPECT_TRUE(listed);
    ASSERT_EQ(alice_.request("message.send", {{"channel", "secret"}, {"body", "psst"}})["ok"],
              true);
    const auto received = bob_.waitForEvent("message");
    ASSERT_TRUE(received.has_value());
    EXPECT_EQ(received->at("message")["body"], "psst");
}

TEST_F(ChatTest, HistoryPagesBeforeAndAfterOldestFirst) {
    ASSERT_EQ(alice_.request("channel.create", {{"unique_name", "log"}})["ok"], true);
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(
            alice_.request("message.send", {{"channel", "log"}, {"body", std::to_string(i)}})["ok"],
            true);
    }
    const auto indexes = [](const Json& reply) {
        std::vector<int> out;
        for (const Json& message : reply["messages"]) {
            out.push_back(message["index"].get<int>());
        }
        return out;
    };
    EXPECT_EQ(indexes(alice_.request("message.history", {{"channel", "log"}, {"limit", 3}})),
              (std::vector<int>{7, 8, 9}));
    EXPECT_EQ(indexes(alice_.request("message.history",
                                     {{"channel", "log"}, {"before", 7}, {"limit", 3}})),
              (std::vector<int>{4, 5, 6}));
    EXPECT_EQ(indexes(alice_.request("message.history",
                                     {{"channel", "log"}, {"after", 5}, {"limit", 2}})),
              (std::vector<int>{6, 7}));
    EXPECT_EQ(indexes(alice_.request("message.history", {{"channel", "log"}, {"after", 8}})),
              (std::vector<int>{9}));
    EXPECT_EQ(alice_.request("message.history",
                             {{"channel", "log"}, {"after", 1}, {"before", 5}})["error"]["code"],
              50003);
    EXPECT_EQ(
        alice_.request("message.history", {{"channel", "log"}, {"limit", 501}})["error"]["code"],
        50003);
}

TEST_F(ChatTest, ReportsDocumentedErrorCodes) {
    EXPECT_EQ(alice_.request("channel.join", {{"channel", "nope"}})["error"]["code"], 50100);
    ASSERT_EQ(alice_.request("channel.create", {{"unique_name", "dup"}})["ok"], true);
    EXPECT_EQ(bob_.request("channel.create", {{"unique_name", "dup"}})["error"]["code"], 50102);
    EXPECT_EQ(bob_.request("message.send", {{"channel", "dup"}, {"body", "hi"}})["error"]["code"],
              50101);
    EXPECT_EQ(alice_.request(
                  "message.send",
                  {{"channel", "dup"}, {"body", std::string(32 * 1024 + 1, 'x')}})["error"]["code"],
              50103);
    EXPECT_EQ(
        alice_.request("message.send",
                       {{"channel", "dup"}, {"body", "x"}, {"attributes", "str"}})["error"]["code"],
        50104);
    EXPECT_EQ(
        alice_.request("message.send",
                       {{"channel", "dup"},
                        {"body", "x"},
                        {"attributes", {{"big", std::string(16 * 1024, 'a')}}}})["error"]["code"],
        50104);
    EXPECT_EQ(alice_.request("channel.leave", {{"channel", "dup"}})["ok"], true);
    EXPECT_EQ(alice_.request("channel.leave", {{"channel", "dup"}})["error"]["code"], 50101);
    // The largest allowed body goes through.
    ASSERT_EQ(alice_.request("channel.create", {{"unique_name", "big"}})["ok"], true);
    EXPECT_EQ(alice_.request("message.send",
                             {{"channel", "big"}, {"body", std::string(32 * 1024, 'x')}})["ok"],
              true);
}

} // namespace
} // namespace parley::testing
