#include "cli/chat_control.hpp"

#include <algorithm>
#include <thread>

namespace parley::cli {

namespace {

constexpr std::string_view kQuit = "/quit";
// How often a wait on a future looks again; short enough that nobody notices.
constexpr std::chrono::milliseconds kPollInterval{10};

bool isCommand(const std::string& line, std::string_view command) {
    return line.starts_with(command) &&
           (line.size() == command.size() || line[command.size()] == ' ');
}

} // namespace

void ChatControl::startReading(std::istream& input, bool interactive) {
    {
        const std::lock_guard lock{mutex_};
        interactive_ = interactive;
    }
    std::thread{[self = shared_from_this(), &input] { self->read(input); }}.detach();
}

void ChatControl::read(std::istream& input) {
    std::string line;
    while (std::getline(input, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back(); // a line typed on Windows, or pasted from it
        }
        const std::lock_guard lock{mutex_};
        if (line == kQuit) {
            quit_read_ = true;
        }
        lines_.push_back(line);
        changed_.notify_all();
    }
    const std::lock_guard lock{mutex_};
    input_ended_ = true;
    changed_.notify_all();
}

bool ChatControl::isLocal(const std::string& line) {
    return line.empty() || isCommand(line, "/help") || isCommand(line, "/update-token");
}

ChatControl::Leave ChatControl::leaveLocked() const {
    const auto unsent = std::count_if(lines_.begin(), lines_.end(), [](const std::string& line) {
        return line != kQuit && !isLocal(line);
    });
    return Leave{.unsent = static_cast<std::size_t>(unsent), .reached = server_ready_};
}

ChatControl::Next ChatControl::next() {
    std::unique_lock lock{mutex_};
    for (;;) {
        if (end_) {
            return *end_;
        }
        if (stoppingLocked()) {
            return leaveLocked();
        }
        if (!tasks_.empty()) {
            Task task{std::move(tasks_.front())};
            tasks_.pop_front();
            return task;
        }
        if (!lines_.empty() && (server_ready_ || isLocal(lines_.front()))) {
            Line line{std::move(lines_.front())};
            lines_.pop_front();
            if (line.text == kQuit) {
                return leaveLocked();
            }
            return line;
        }
        if (lines_.empty() && input_ended_ && mayLeaveLocked()) {
            return leaveLocked();
        }
        changed_.wait(lock);
    }
}

void ChatControl::setReachable(bool reachable) {
    const std::lock_guard lock{mutex_};
    reachable_ = reachable;
    changed_.notify_all();
}

void ChatControl::serverReady() {
    const std::lock_guard lock{mutex_};
    server_ready_ = true;
    changed_.notify_all();
}

void ChatControl::post(std::function<void()> task) {
    const std::lock_guard lock{mutex_};
    tasks_.push_back(std::move(task));
    changed_.notify_all();
}

void ChatControl::endWith(int status, const std::string& reason) {
    const std::lock_guard lock{mutex_};
    if (!end_) {
        end_ = End{.status = status, .reason = reason};
    }
    changed_.notify_all();
}

bool ChatControl::stopping() const {
    const std::lock_guard lock{mutex_};
    return stoppingLocked();
}

bool ChatControl::sleepFor(std::chrono::milliseconds delay) {
    std::unique_lock lock{mutex_};
    changed_.wait_for(lock, delay, [this] { return stoppingLocked(); });
    return !stoppingLocked();
}

bool ChatControl::waitUntil(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock{mutex_};
    for (;;) {
        if (stoppingLocked()) {
            return false;
        }
        if (ready()) {
            return true;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return false;
        }
        changed_.wait_for(
            lock, std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
    }
}

} // namespace parley::cli
