// The channel commands of `parley chat` beyond /join and /send: /list, /members, /create,
// /add, their usage lines, and events that name channels rather than show their SIDs.

#include "chat_process.hpp"

namespace parley::testing {
namespace {

using Json = nlohmann::json;

std::vector<std::string> argsFor(const ServerProcess& server, const std::string& identity) {
    return {"--url", urlOf(server), "--token", mintToken(identity, 600s), "--events-json"};
}

TEST(ChatCliCommands, CreateAddMembersAndListWork) {
    ServerProcess server;
    ChatProcess alice{argsFor(server, "alice")};
    ChatProcess bob{argsFor(server, "bob")};
    ASSERT_TRUE(bob.waitForEvent("resumed"));

    alice.write("/create secret private");
    const auto created = alice.waitForEvent("created");
    ASSERT_TRUE(created);
    EXPECT_EQ((*created)["channel"], "secret");
    EXPECT_EQ((*created)["type"], "private");
    alice.write("/add secret bob");
    const auto added = alice.waitForEvent("added");
    ASSERT_TRUE(added);
    EXPECT_EQ((*added)["identity"], "bob");
    alice.write("/members secret");
    const auto members = alice.waitForEvent("members");
    ASSERT_TRUE(members);
    ASSERT_EQ((*members)["members"].size(), 2U);
    EXPECT_EQ((*members)["members"][0]["identity"], "alice");
    EXPECT_EQ((*members)["members"][1]["identity"], "bob");
    alice.write("/list");
    const auto list = alice.waitForEvent("list");
    ASSERT_TRUE(list);
    ASSERT_EQ((*list)["channels"].size(), 1U);
    EXPECT_EQ((*list)["channels"][0]["channel"], "secret");
    EXPECT_EQ((*list)["channels"][0]["type"], "private");
    EXPECT_EQ((*list)["channels"][0]["member"], true);

    // Bob was added while connected: the channel shows by name, and its messages reach him.
    const auto joined = bob.waitFor([](const Json& event) {
        return event.value("event", "") == "memberJoined" && event.value("identity", "") == "bob";
    });
    ASSERT_TRUE(joined);
    EXPECT_EQ((*joined)["channel"], "secret");
    alice.write("a plain line goes to the channel just created");
    const auto message = bob.waitForEvent("messageAdded");
    ASSERT_TRUE(message);
    EXPECT_EQ((*message)["channel"], "secret");
    alice.write("/quit");
    bob.write("/quit");
    EXPECT_EQ(alice.waitForExit(), 0);
    EXPECT_EQ(bob.waitForExit(), 0);
}

TEST(ChatCliCommands, JoinEventsNameTheChannel) {
    ServerProcess server;
    const TempDir state;
    {
        ChatProcess alice{argsFor(server, "alice"), state.path()};
        alice.write("/join general");
        const auto joined = alice.waitForEvent("memberJoined");
        ASSERT_TRUE(joined);
        EXPECT_EQ((*joined)["channel"], "general");
        alice.write("/quit");
        ASSERT_EQ(alice.waitForExit(), 0);
    }
    // A member since an earlier run sees someone join: the channel is named, not its SID.
    ChatProcess alice{argsFor(server, "alice"), state.path()};
    ASSERT_TRUE(alice.waitForEvent("connected"));
    ChatProcess bob{argsFor(server, "bob")};
    bob.write("/join general");
    const auto seen = alice.waitForEvent("memberJoined");
    ASSERT_TRUE(seen);
    EXPECT_EQ((*seen)["identity"], "bob");
    EXPECT_EQ((*seen)["channel"], "general") << "the event showed the channel's SID";
    bob.write("/quit");
    alice.write("/quit");
    EXPECT_EQ(bob.waitForExit(), 0);
    EXPECT_EQ(alice.waitForExit(), 0);
}

TEST(ChatCliCommands, HelpListsEveryCommandAndIncompleteOnesPrintTheirUsage) {
    ServerProcess server;
    ChatProcess alice{argsFor(server, "alice")};
    alice.write("/help");
    const auto help = alice.waitForEvent("help");
    ASSERT_TRUE(help);
    std::vector<std::string> commands;
    for (const auto& command : (*help)["commands"]) {
        commands.push_back(command["command"]);
    }
    for (const std::string expected :
         {"/list", "/members C", "/create C [private]", "/add C IDENTITY", "/join C"}) {
        EXPECT_NE(std::ranges::find(commands, expected), commands.end()) << expected;
    }
    alice.write("/add general");
    const auto usage = alice.waitForEvent("commandError");
    ASSERT_TRUE(usage);
    EXPECT_EQ((*usage)["command"], "/add");
    EXPECT_EQ((*usage)["message"], "usage: /add C IDENTITY");
    alice.write("/create general sideways");
    const auto bad_type = alice.waitForEvent("commandError");
    ASSERT_TRUE(bad_type);
    EXPECT_EQ((*bad_type)["message"], "usage: /create C [private]");
    alice.write("/quit");
    EXPECT_EQ(alice.waitForExit(), 0);
}

TEST(ChatCliCommands, TheConnectionLimitPerIdentityIsShownNotRetriedSilently) {
    ServerProcess server{{"--max-connections-per-identity", "1"}};
    ChatProcess first{argsFor(server, "alice")};
    ASSERT_TRUE(first.waitForEvent("connected"));
    ChatProcess second{argsFor(server, "alice")};
    const auto refused = second.waitForEvent("disconnected");
    ASSERT_TRUE(refused) << "the refused init was retried without a word";
    EXPECT_NE((*refused)["reason"].get<std::string>().find("50430"), std::string::npos) << *refused;
    EXPECT_EQ((*refused)["will_reconnect"], true);
    second.write("/join general");
    second.write("/quit");
    EXPECT_EQ(second.waitForExit(), 3) << "/quit waited for a connection that cannot come, or "
                                          "left the /join unsent with status 0";
    first.write("/quit");
    EXPECT_EQ(first.waitForExit(), 0);
}

} // namespace
} // namespace parley::testing
