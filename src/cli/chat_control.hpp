#pragma once

// What the threads of `parley chat` share: the lines read from stdin, the end (a status and its
// reason), and work that the SDK's events hand to the command loop (the catch-up after each
// connection). Every wait in the command loop and in the token retries wakes on the end and on
// /quit, which acts at once when typed at a terminal or when the client cannot reach the server
// (or has no usable token); piped lines before a /quit otherwise still run in order. A piped
// /quit, or the end of input, waits for the first connection's outcome: without it,
// `parley chat < /dev/null` would leave before the server had said whether it takes the token.
//
// Threading: every method is thread-safe. The stdin reader is a detached thread of its own (a
// read blocked on a terminal cannot be interrupted; the process ends anyway).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

namespace parley::cli {

class ChatControl : public std::enable_shared_from_this<ChatControl> {
public:
    /// What the command loop should do next.
    struct Line {
        std::string text;
    };
    struct Task {
        std::function<void()> run;
    };
    /// /quit, or the end of input with every line handled.
    struct Leave {
        /// Lines that needed the server and were not run (it could not be reached, or /quit
        /// was typed before they were sent).
        std::size_t unsent = 0;
        /// Whether the server was ever ready (serverReady() was called).
        bool reached = true;
    };
    /// endWith() was called.
    struct End {
        int status = 0;
        std::string reason;
    };
    using Next = std::variant<Line, Task, Leave, End>;

    /// Starts the stdin reader, which keeps this object alive; `interactive` when stdin is a
    /// terminal (a person typed /quit). Create the ChatControl with make_shared.
    void startReading(std::istream& input, bool interactive);

    /// Waits for the next thing to do: the end first, then tasks, then lines in order (up to
    /// /quit or the end of input). Lines that need the server wait until serverReady(); local
    /// ones (/help, /update-token) do not.
    Next next();
    /// False after a failed connection attempt or while waiting for a token, true once
    /// connected: a /quit read while unreachable acts at once.
    void setReachable(bool reachable);
    /// Lines that need the server may run from now on (after the first catch-up).
    void serverReady();
    /// Runs `task` on the command loop, ahead of waiting lines.
    void post(std::function<void()> task);

    /// Ends the program with `status` (the first call wins).
    void endWith(int status, const std::string& reason);
    /// The program is ending, or a /quit that acts at once was read: stop waiting.
    bool stopping() const;

    /// Waits up to `timeout` for `future`; nullopt on timeout or when stopping().
    template <typename T>
    std::optional<T> await(std::future<T> future, std::chrono::milliseconds timeout) {
        if (!waitUntil(
                [&future] {
                    return future.wait_for(std::chrono::seconds{0}) == std::future_status::ready;
                },
                timeout)) {
            return std::nullopt;
        }
        return future.get();
    }
    /// Sleeps for `delay`; false when it was cut short because the program is stopping.
    bool sleepFor(std::chrono::milliseconds delay);

private:
    // A future cannot wake a condition variable, so waits on one look at it every few
    // milliseconds, and at the flags in between.
    bool waitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout);
    bool stoppingLocked() const { return end_ || (quit_read_ && (interactive_ || !reachable_)); }
    static bool isLocal(const std::string& line);
    Leave leaveLocked() const;
    // The end of input or a piped /quit leaves once the first connection has an outcome: the
    // server ready, or an attempt failed (a refused token ends the program through endWith()).
    bool mayLeaveLocked() const { return server_ready_ || !reachable_; }
    void read(std::istream& input);

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> lines_;
    std::deque<std::function<void()>> tasks_;
    bool input_ended_ = false;
    bool quit_read_ = false;
    bool interactive_ = false;
    bool reachable_ = true;
    bool server_ready_ = false;
    std::optional<End> end_;
};

} // namespace parley::cli
