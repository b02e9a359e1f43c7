// `parley chat` after a restart: it finds the user's channels, names them, shows what arrived
// since the last message this identity saw (kept in its state file), and plain lines go to the
// channel that was current.

#include "chat_process.hpp"

#include <fstream>

namespace parley::testing {
namespace {

using Json = nlohmann::json;

std::vector<std::string> aliceArgs(const ServerProcess& server) {
    return {"--url", urlOf(server), "--token", mintToken("alice", 600s), "--events-json"};
}

// `identity` joins general, says each of `lines` and leaves; waits until all were shown.
void sayInGeneral(const ServerProcess& server, const std::string& identity,
                  const std::vector<std::string>& lines) {
    ChatProcess chat{
        {"--url", urlOf(server), "--token", mintToken(identity, 600s), "--events-json"}};
    chat.write("/join general");
    ASSERT_TRUE(chat.waitForEvent("joined"));
    for (const auto& line : lines) {
        chat.write(line);
        ASSERT_TRUE(chat.waitFor([&](const Json& event) {
            return event.value("event", "") == "messageAdded" && event.value("body", "") == line;
        })) << line;
    }
    chat.write("/quit");
    ASSERT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCliResume, ARestartShowsWhatArrivedMeanwhileByNameAndKeepsTheCurrentChannel) {
    ServerProcess server;
    const TempDir state;
    {
        ChatProcess alice{aliceArgs(server), state.path()};
        alice.write("/join general");
        ASSERT_TRUE(alice.waitForEvent("joined"));
        alice.write("hello from alice");
        ASSERT_TRUE(alice.waitForEvent("messageAdded"));
        alice.write("/quit");
        ASSERT_EQ(alice.waitForExit(), 0);
    }
    sayInGeneral(server, "bob", {"one", "two"});

    ChatProcess alice{aliceArgs(server), state.path()};
    const auto first = alice.waitForEvent("messageAdded");
    ASSERT_TRUE(first) << "what bob said while alice was away was not shown";
    EXPECT_EQ((*first)["channel"], "general");
    EXPECT_EQ((*first)["index"], 1);
    EXPECT_EQ((*first)["body"], "one");
    EXPECT_EQ((*first)["caught_up"], true);
    const auto second = alice.waitForEvent("messageAdded");
    ASSERT_TRUE(second);
    EXPECT_EQ((*second)["body"], "two");
    const auto resumed = alice.waitForEvent("resumed");
    ASSERT_TRUE(resumed);
    EXPECT_EQ((*resumed)["current"], "general");
    ASSERT_EQ((*resumed)["channels"].size(), 1U);
    EXPECT_EQ((*resumed)["channels"][0]["channel"], "general");
    EXPECT_EQ((*resumed)["channels"][0]["missed"], 2);

    alice.write("back again");
    const auto sent = alice.waitForEvent("messageAdded");
    ASSERT_TRUE(sent) << "the plain line was refused: no current channel after the restart";
    EXPECT_EQ((*sent)["index"], 3);
    EXPECT_EQ((*sent)["channel"], "general");
    EXPECT_FALSE(sent->contains("caught_up"));

    sayInGeneral(server, "bob", {"live"});
    const auto live = alice.waitForEvent("messageAdded");
    ASSERT_TRUE(live);
    EXPECT_EQ((*live)["body"], "live");
    EXPECT_EQ((*live)["channel"], "general") << "a channel joined in an earlier run shows its SID";
    alice.write("/quit");
    EXPECT_EQ(alice.waitForExit(), 0);
}

TEST(ChatCliResume, NothingIsShownTwiceAcrossRestarts) {
    ServerProcess server;
    const TempDir state;
    sayInGeneral(server, "bob", {"before alice"});
    for (int run = 0; run < 2; ++run) {
        ChatProcess alice{aliceArgs(server), state.path()};
        if (run == 0) {
            alice.write("/join general");
            ASSERT_TRUE(alice.waitForEvent("joined"));
        }
        alice.write("/quit");
        ASSERT_EQ(alice.waitForExit(), 0);
        for (const auto& line : alice.lines()) {
            EXPECT_NE(line.value("event", ""), "messageAdded")
                << "run " << run << ": history from before the join is not news: " << line;
        }
    }
}

TEST(ChatCliResume, AnUnreadableStateFileIsReportedAndReplaced) {
    ServerProcess server;
    const std::vector<std::pair<std::string, std::string>> cases{
        {"not_json", "{not json"},
        {"too_large", std::string((std::size_t{1} << 20) + 1, ' ')},
        {"bad_shape", R"({"version":1,"identities":{"alice":{"channels":{"CH1":"seven"}}}})"},
        {"bad_shape", R"({"version":2,"identities":{}})"},
    };
    for (const auto& [code, content] : cases) {
        const TempDir state;
        const auto file = state.path() / "parley" / "chat-state.json";
        std::filesystem::create_directories(file.parent_path());
        std::ofstream{file} << content;
        ChatProcess alice{aliceArgs(server), state.path()};
        const auto error = alice.waitForEvent("stateFileError");
        ASSERT_TRUE(error) << code;
        EXPECT_EQ((*error)["code"], code);
        EXPECT_EQ((*error)["path"], file.string());
        alice.write("/join general");
        ASSERT_TRUE(alice.waitForEvent("joined")) << code;
        alice.write("/quit");
        ASSERT_EQ(alice.waitForExit(), 0);
        std::ifstream in{file};
        const Json saved = Json::parse(in, nullptr, false);
        ASSERT_FALSE(saved.is_discarded()) << code;
        EXPECT_TRUE(saved["identities"]["alice"]["current"].is_string()) << saved;
    }
}

TEST(ChatCliResume, TheStateFileFlagsChooseWhereOrWhetherStateIsKept) {
    ServerProcess server;
    const TempDir state;
    const auto chosen = state.path() / "elsewhere.json";
    {
        auto args = aliceArgs(server);
        args.insert(args.end(), {"--state-file", chosen.string()});
        ChatProcess alice{args, state.path()};
        alice.write("/join general");
        ASSERT_TRUE(alice.waitForEvent("joined"));
        alice.write("/quit");
        ASSERT_EQ(alice.waitForExit(), 0);
    }
    EXPECT_TRUE(std::filesystem::exists(chosen));
    EXPECT_FALSE(std::filesystem::exists(state.path() / "parley" / "chat-state.json"));
    {
        auto args = aliceArgs(server);
        args.emplace_back("--no-state-file");
        ChatProcess alice{args, state.path()};
        alice.write("/join general");
        ASSERT_TRUE(alice.waitForEvent("joined"));
        alice.write("/quit");
        ASSERT_EQ(alice.waitForExit(), 0);
    }
    EXPECT_FALSE(std::filesystem::exists(state.path() / "parley"));
}

} // namespace
} // namespace parley::testing
