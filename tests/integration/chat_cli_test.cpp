// `parley chat` as a user runs it (chat_process.hpp): joining, sending, the token lifecycle.

#include "chat_process.hpp"
#include "test_certificates.hpp"

namespace parley::testing {
namespace {

TEST(ChatCli, EventsJsonShowsJoinSendAndMessageAddedLines) {
    ServerProcess server;
    ChatProcess chat{
        {"--url", urlOf(server), "--token", mintToken("alice", 600s), "--events-json"}};
    const auto connected = chat.waitForEvent("connected");
    ASSERT_TRUE(connected);
    EXPECT_EQ((*connected)["identity"], "alice");
    EXPECT_TRUE((*connected)["expires_at"].is_number_integer());
    chat.write("/join general");
    ASSERT_TRUE(chat.waitForEvent("joined"));
    chat.write("/send general hello there");
    chat.write("a plain line");
    const auto first = chat.waitForEvent("messageAdded");
    const auto second = chat.waitForEvent("messageAdded");
    ASSERT_TRUE(first && second);
    EXPECT_EQ((*first)["channel"], "general");
    EXPECT_EQ((*first)["index"], 0);
    EXPECT_EQ((*first)["author"], "alice");
    EXPECT_EQ((*first)["body"], "hello there");
    EXPECT_EQ((*second)["index"], 1);
    EXPECT_EQ((*second)["body"], "a plain line");
    chat.write("/history general 10");
    const auto history = chat.waitForEvent("history");
    ASSERT_TRUE(history);
    EXPECT_EQ((*history)["messages"].size(), 2U);
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCli, AnExpiredTokenGivesTokenErrorAndANonZeroExit) {
    ServerProcess server;
    ChatProcess chat{{"--url", urlOf(server), "--token",
                      mintTokenAt("alice", std::chrono::system_clock::now() - 20s, 10s),
                      "--events-json"}};
    const auto error = chat.waitForEvent("tokenError");
    ASSERT_TRUE(error);
    EXPECT_EQ((*error)["code"], 20104);
    EXPECT_FALSE((*error)["message"].get<std::string>().empty());
    EXPECT_EQ(chat.waitForExit(), 1) << "stdin is still open: the token ended the client";
}

TEST(ChatCli, ExpiryWithoutRenewalPrintsTheLifecycleAndExitsNonZero) {
    ServerProcess server{{"--about-to-expire-window", "1"}};
    ChatProcess chat{{"--url", urlOf(server), "--token", mintToken("alice", 3s), "--events-json",
                      "--about-to-expire-window", "1"}};
    const auto about = chat.waitForEvent("tokenAboutToExpire");
    ASSERT_TRUE(about);
    EXPECT_TRUE((*about)["expires_at"].is_number_integer());
    const auto expired = chat.waitForEvent("tokenExpired");
    ASSERT_TRUE(expired);
    EXPECT_EQ((*expired)["expires_at"], (*about)["expires_at"]);
    const auto disconnected = chat.waitForEvent("disconnected");
    ASSERT_TRUE(disconnected);
    EXPECT_EQ((*disconnected)["close_code"], 4410);
    EXPECT_EQ(chat.waitForExit(), 1);
}

TEST(ChatCli, TokenCommandRenewsBeforeExpiryWithoutDisconnecting) {
    ServerProcess server{{"--about-to-expire-window", "2"}};
    const std::string mint = mintCommand("alice", 4);
    ChatProcess chat{{"--url", urlOf(server), "--token-command", mint, "--events-json",
                      "--about-to-expire-window", "2"}};
    ASSERT_TRUE(chat.waitForEvent("connected"));
    const auto about = chat.waitForEvent("tokenAboutToExpire");
    ASSERT_TRUE(about);
    const auto updated = chat.waitForEvent("tokenUpdated");
    ASSERT_TRUE(updated);
    EXPECT_GT((*updated)["expires_at"].get<long long>(), (*about)["expires_at"].get<long long>());
    ASSERT_TRUE(chat.waitForEvent("tokenUpdated")) << "and again for the renewed token";
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 0);
    EXPECT_FALSE(chat.sawEvent("tokenExpired"));
    EXPECT_FALSE(chat.sawEvent("disconnected"));
}

TEST(ChatCli, UnknownCommandsAndMissingChannelsAreReportedNotFatal) {
    ServerProcess server;
    ChatProcess chat{
        {"--url", urlOf(server), "--token", mintToken("alice", 600s), "--events-json"}};
    chat.write("/frobnicate");
    const auto unknown = chat.waitForEvent("commandError");
    ASSERT_TRUE(unknown);
    EXPECT_EQ((*unknown)["code"], 50002);
    chat.write("no channel yet");
    const auto no_channel = chat.waitForEvent("commandError");
    ASSERT_TRUE(no_channel);
    EXPECT_EQ((*no_channel)["code"], 50003);
    chat.write("/leave nowhere");
    const auto missing = chat.waitForEvent("commandError");
    ASSERT_TRUE(missing);
    EXPECT_EQ((*missing)["code"], 50100);
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCli, HelpListsTheCommandsAndKeepsRunning) {
    ServerProcess server;
    ChatProcess chat{
        {"--url", urlOf(server), "--token", mintToken("alice", 600s), "--events-json"}};
    chat.write("/help");
    ASSERT_TRUE(chat.waitForEvent("help")) << "no help line (did /help crash parley chat?)";
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCli, WssWithTheCaFileConnectsAndSends) {
    const auto certs = TestCertificates::make("chat-cli");
    ServerProcess server{
        {"--tls-cert", certs.cert_file.string(), "--tls-key", certs.key_file.string()}};
    ChatProcess chat{{"--url", "wss://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws",
                      "--ca-file", certs.ca_file.string(), "--token", mintToken("alice", 600s),
                      "--events-json"}};
    ASSERT_TRUE(chat.waitForEvent("connected"));
    chat.write("/join general");
    ASSERT_TRUE(chat.waitForEvent("joined"));
    chat.write("/send general hello over TLS");
    const auto added = chat.waitForEvent("messageAdded");
    ASSERT_TRUE(added);
    EXPECT_EQ((*added)["body"], "hello over TLS");
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCli, WssWithoutTheCaFileShowsTheTlsCauseOfEachAttempt) {
    const auto certs = TestCertificates::make("chat-cli-untrusted");
    ServerProcess server{
        {"--tls-cert", certs.cert_file.string(), "--tls-key", certs.key_file.string()}};
    ChatProcess chat{{"--url", "wss://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws",
                      "--token", mintToken("alice", 600s), "--events-json"}};
    const auto failed = chat.waitForEvent("connectionError");
    ASSERT_TRUE(failed);
    EXPECT_EQ((*failed)["cause"], "tls");
    EXPECT_NE((*failed)["message"].get<std::string>().find(
                  "TLS handshake failed: the server's certificate was not verified"),
              std::string::npos)
        << (*failed)["message"];
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 3) << "never reached the server, so not status 0";
}

} // namespace
} // namespace parley::testing
