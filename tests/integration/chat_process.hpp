#pragma once

// `parley chat` as a user runs it, for the chat_cli_*_test files: the real binary, commands
// written to its stdin, its --events-json lines read from its stdout with a deadline. Each run
// gets a state directory of its own (XDG_STATE_HOME), unless a test shares one between runs to
// check what a restart remembers.

#include "server_process.hpp"
#include "temp_directory.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parley::testing {

using namespace std::chrono_literals;

/// The temporary directory of a run (tests/support/temp_directory.hpp).
using TempDir = TempDirectory;

// `parley chat ARGS` with pipes on stdin and stdout.
class ChatProcess {
public:
    using Json = nlohmann::json;

    /// `state_home`: the XDG_STATE_HOME of the run (its own fresh one when not given).
    explicit ChatProcess(std::vector<std::string> args,
                         std::optional<std::filesystem::path> state_home = std::nullopt) {
        if (!state_home) {
            own_state_.emplace();
            state_home = own_state_->path();
        }
        int input[2];
        int output[2];
        if (::pipe(input) != 0 || ::pipe(output) != 0) {
            throw std::runtime_error("pipe failed");
        }
        args.insert(args.begin(), {parleyBinary(), "chat"});
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setenv("XDG_STATE_HOME", state_home->c_str(), 1);
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
        return waitFor([&event](const Json& line) { return line.value("event", "") == event; },
                       timeout);
    }
    /// The next JSON line that `match` accepts (lines before it are passed over).
    std::optional<Json> waitFor(const std::function<bool(const Json&)>& match,
                                std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            while (consumed_ < lines_.size()) {
                const Json& line = lines_[consumed_++];
                if (match(line)) {
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

    /// Whether a line read so far is the event `event`.
    bool sawEvent(const std::string& event) const {
        return std::any_of(lines_.begin(), lines_.end(),
                           [&event](const Json& line) { return line.value("event", "") == event; });
    }
    const std::vector<Json>& lines() const { return lines_; }

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

    std::optional<TempDir> own_state_;
    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    std::string pending_;
    std::vector<Json> lines_;
    std::size_t consumed_ = 0;
};

inline std::string urlOf(const ServerProcess& server) {
    return "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws";
}

/// `--token-command` text that runs `parley token mint` for `identity` (a fresh token each run).
inline std::string mintCommand(const std::string& identity, int ttl_seconds = 600) {
    return parleyBinary() + " token mint --account-sid " + kTestKey.account_sid + " --api-key " +
           kTestKey.sid + " --api-secret " + kTestKey.secret + " --identity " + identity +
           " --ttl " + std::to_string(ttl_seconds) + " --min-ttl 1 --chat-service IS" +
           std::string(32, '3');
}

} // namespace parley::testing
