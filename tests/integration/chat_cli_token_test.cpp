// `parley chat` and a token the server refuses: --token-command is run again with backoff (exit
// status 77 ends it with 1), a refused --token ends it with 1, /quit without a usable token
// exits 1 at once, a refused token is reported even when stdin is empty, and a first token
// already revoked is replaced (no hang).

#include "chat_process.hpp"

#include <parley/token/access_token_builder.hpp>

#include <fstream>

namespace parley::testing {
namespace {

// Signed with the right key SID but the wrong secret: well formed, refused by the server (20107).
std::string refusedToken(const std::string& identity) {
    const token::ApiKey wrong{.sid = kTestKey.sid,
                              .account_sid = kTestKey.account_sid,
                              .secret = "not-the-integration-secret-000000"};
    auto token = token::AccessTokenBuilder{wrong}.identity(identity).ttl(600s).mint(
        token::SystemClock::instance());
    if (!token) {
        throw std::runtime_error("mint failed: " + token.error().message);
    }
    return *token;
}

// A --token-command whose first `failures` runs do `failure` (a shell snippet), and later runs
// `then` (another snippet); it counts its runs in a file in `dir`.
std::string scriptedCommand(const TempDir& dir, int failures, const std::string& failure,
                            const std::string& then) {
    const auto script = dir.path() / "token-command.sh";
    const auto count = dir.path() / "runs";
    std::ofstream{script} << "#!/bin/sh\n"
                          << "n=$(cat '" << count.string() << "' 2>/dev/null || echo 0)\n"
                          << "n=$((n + 1))\n"
                          << "echo $n > '" << count.string() << "'\n"
                          << "if [ $n -le " << failures << " ]; then " << failure << "; fi\n"
                          << then << "\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    return script.string();
}

std::string printRefused(const TempDir& dir) {
    const auto file = dir.path() / "refused.jwt";
    std::ofstream{file} << refusedToken("alice") << '\n';
    return "cat '" + file.string() + "'; exit 0";
}

TEST(ChatCliToken, ARefusedTokenFromTheCommandIsFetchedAgain) {
    ServerProcess server;
    const TempDir dir;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token-command",
                      scriptedCommand(dir, 1, printRefused(dir), "exec " + mintCommand("alice"))}};
    const auto refused = chat.waitForEvent("tokenError");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["code"], 20107);
    const auto retry = chat.waitForEvent("tokenRetry");
    ASSERT_TRUE(retry) << "the command was never run again";
    EXPECT_TRUE((*retry)["retry_in_ms"].is_number_integer());
    const auto connected = chat.waitForEvent("connected");
    ASSERT_TRUE(connected);
    EXPECT_EQ((*connected)["identity"], "alice");
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCliToken, ACommandExiting77AfterARefusedTokenEndsWithStatus1) {
    ServerProcess server;
    const TempDir dir;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token-command",
                      scriptedCommand(dir, 1, printRefused(dir), "exit 77")}};
    ASSERT_TRUE(chat.waitForEvent("tokenError"));
    ASSERT_TRUE(chat.waitForEvent("tokenCommandFailed"));
    EXPECT_EQ(chat.waitForExit(), 1) << "stdin is still open: exit status 77 ended the client";
}

TEST(ChatCliToken, QuitWhileEveryTokenIsRefusedExitsAtOnceWithStatus1) {
    ServerProcess server;
    const TempDir dir;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token-command",
                      scriptedCommand(dir, 1000, printRefused(dir), "exit 0")}};
    ASSERT_TRUE(chat.waitForEvent("tokenError"));
    chat.write("/join general");
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 1) << "no token was ever accepted";
}

TEST(ChatCliToken, AFailingFirstTokenCommandIsRetriedWithBackoff) {
    ServerProcess server;
    const TempDir dir;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token-command",
                      scriptedCommand(dir, 2, "exit 3", "exec " + mintCommand("alice"))}};
    const auto retry = chat.waitForEvent("tokenRetry");
    ASSERT_TRUE(retry) << "the first failure of the command ended the client";
    EXPECT_NE((*retry)["reason"].get<std::string>().find("status 3"), std::string::npos);
    ASSERT_TRUE(chat.waitForEvent("tokenRetry"));
    ASSERT_TRUE(chat.waitForEvent("connected"));
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCliToken, AFixedTokenRefusedByTheServerEndsWithStatus1) {
    ServerProcess server;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token", refusedToken("alice")}};
    const auto refused = chat.waitForEvent("tokenError");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["code"], 20107);
    EXPECT_EQ(chat.waitForExit(), 1) << "stdin is still open: the refused token ended the client";
}

TEST(ChatCliToken, EmptyInputWaitsForTheServerToRefuseTheToken) {
    ServerProcess server;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token", refusedToken("alice")}};
    chat.closeInput(); // as `parley chat ... < /dev/null`
    EXPECT_EQ(chat.waitForExit(), 1) << "left at the end of input before the server answered";
    EXPECT_TRUE(chat.sawEvent("tokenError")) << "the refusal was not shown";
}

TEST(ChatCliToken, AFirstTokenAlreadyRevokedIsReplacedThroughTheCommand) {
    ServerProcess server;
    const TempDir dir;
    const auto file = dir.path() / "revoked.jwt";
    std::ofstream{file} << mintToken("alice", 600s) << '\n';
    const auto revoked = server.post("/v1/revocations", R"({"identity":"alice"})",
                                     kTestKey.sid + ":" + kTestKey.secret);
    ASSERT_EQ(revoked.status, 201) << revoked.body;
    ChatProcess chat{{"--url", urlOf(server), "--events-json", "--token-command",
                      scriptedCommand(dir, 1, "cat '" + file.string() + "'; exit 0",
                                      "exec " + mintCommand("alice"))}};
    const auto refused = chat.waitForEvent("tokenError");
    ASSERT_TRUE(refused);
    EXPECT_EQ((*refused)["code"], 20120);
    const auto connected = chat.waitForEvent("connected");
    ASSERT_TRUE(connected) << "the client waited with its revoked token";
    EXPECT_EQ((*connected)["identity"], "alice");
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 0);
}

} // namespace
} // namespace parley::testing
