// `parley chat` as a user runs it: the real binary, commands written to its stdin, its
// --events-json lines read from its stdout with a deadline.

#include "server_process.hpp"
#include "test_certificates.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <vector>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// `parley chat ARGS` with pipes on stdin and stdout.
class ChatProcess {
public:
    explicit ChatProcess(std::vector<std::string> args) {
        int input[2];
        int output[2];
        if (::pipe(input) != 0 || ::pipe(output) != 0) {
            throw std::runtime_error("pipe failed");
        }
        args.insert(args.begin(), {parleyBinary(), "chat"});
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(input[0], STDIN_FILENO);
            ::dup2(output[1], STDOUT_FILENO);
            ::close(input[1]);
            ::close(output[0]);
            std::vector<char*> argv;
            for (auto& arg : args) {
                argv.push_back(arg.data());
            }
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(input[0]);
        ::close(output[1]);
        stdin_ = input[1];
        stdout_ = output[0];
    }
    ~ChatProcess() {
        closeInput();
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(stdout_);
    }
    ChatProcess(const ChatProcess&) = delete;
    ChatProcess& operator=(const ChatProcess&) = delete;

    void write(const std::string& line) {
        const std::string text = line + "\n";
        ASSERT_EQ(::write(stdin_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }
    void closeInput() {
        if (stdin_ >= 0) {
            ::close(stdin_);
            stdin_ = -1;
        }
    }

    /// The next JSON line whose "event" is `event`; every line read is kept in lines().
    std::optional<Json> waitForEvent(const std::string& event,
                                     std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            while (consumed_ < lines_.size()) {
                const Json& line = lines_[consumed_++];
                if (line.value("event", "") == event) {
                    return line;
                }
            }
            if (!readMore(deadline)) {
                return std::nullopt;
            }
        }
    }

    /// The exit status once the process ends, within `timeout`.
    std::optional<int> waitForExit(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                while (readMore(std::chrono::steady_clock::now() + 100ms)) {
                }
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            readMore(std::chrono::steady_clock::now() + 20ms);
        }
        return std::nullopt;
    }

    std::vector<std::string> eventNames() const {
        std::vector<std::string> names;
        for (const auto& line : lines_) {
            names.push_back(line.value("event", "?"));
        }
        return names;
    }

private:
    bool readMore(std::chrono::steady_clock::time_point deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd ready{.fd = stdout_, .events = POLLIN, .revents = 0};
        if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) {
            return false;
        }
        char chunk[4096];
        const ssize_t got = ::read(stdout_, chunk, sizeof chunk);
        if (got <= 0) {
            return false;
        }
        pending_.append(chunk, static_cast<std::size_t>(got));
        for (auto newline = pending_.find('\n'); newline != std::string::npos;
             newline = pending_.find('\n')) {
            lines_.push_back(Json::parse(pending_.substr(0, newline), nullptr, false));
            pending_.erase(0, newline + 1);
        }
        return true;
    }

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::string pending_;
    std::vector<Json> lines_;
    std::size_t consumed_ = 0;
};

std::string urlOf(const ServerProcess& server) {
    return "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws";
}

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
    const std::string mint = parleyBinary() + " token mint --account-sid " + kTestKey.account_sid +
                             " --api-key " + kTestKey.sid + " --api-secret " + kTestKey.secret +
                             " --identity alice --ttl 4 --min-ttl 1";
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
    for (const auto& name : chat.eventNames()) {
        EXPECT_NE(name, "tokenExpired");
        EXPECT_NE(name, "disconnected");
    }
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

} // namespace
} // namespace parley::testing
