#pragma once

// `--token-command` as `parley chat` runs it beyond the AccessManager's renewals: for the first
// token, and again whenever a token is refused (by the client's pre-check or by the server), so a
// command that printed a bad token is asked again instead of leaving the client waiting forever.
// Each failure (the command's, or a refusal) waits a capped exponential backoff with full jitter
// (1 s doubling to 60 s) before the next run; exit status 77 ends `parley chat` with 1.
//
// Threading: one thread of its own runs the command; a command that hangs holds up nothing but
// its own answer (it runs on a detached thread). Every method is thread-safe.

#include "cli/chat_control.hpp"
#include "cli/chat_printer.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/lifecycle/backoff.hpp>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace parley::cli {

class TokenRetry {
public:
    TokenRetry(std::string command, ChatControl& control, std::shared_ptr<ChatPrinter> printer);
    ~TokenRetry();
    TokenRetry(const TokenRetry&) = delete;
    TokenRetry& operator=(const TokenRetry&) = delete;

    /// Starts fetching the first token; the future has it (it stays pending when the command
    /// fails for good: the control then has the end).
    std::future<std::string> start();
    /// From now on each token fetched goes to `manager`, which hands it to the client.
    void handTo(std::shared_ptr<client::AccessManager> manager);
    /// A token was refused: fetch another, after the backoff.
    void refused();
    /// A token was accepted: the next failure starts from the shortest delay again.
    void accepted();
    /// Stops the thread (a command still running is left to finish on its own).
    void stop();

private:
    struct Shared; // what the detached command runs share with this object
    void loop();
    bool fetchOnce();
    bool onFailure(const client::ProviderError& error);
    std::optional<client::ProviderResult> runCommand();
    bool waitFor(std::chrono::milliseconds delay);

    std::string command_;
    ChatControl* control_;
    std::shared_ptr<ChatPrinter> printer_;
    std::shared_ptr<Shared> shared_;
    lifecycle::Backoff backoff_; // the thread's only
    std::promise<std::string> first_;
    bool have_first_ = false; // the thread's only
    std::thread thread_;
};

} // namespace parley::cli
