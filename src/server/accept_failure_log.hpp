#pragma once

// What the listener says when accepting fails, held to one line per interval. Out of file
// descriptors, accept fails for every connection that arrives; a line for each wrote tens of
// MiB/s of the same words. This keeps the first line of an episode, then counts, and reports the
// count at most once per interval. No I/O and no clock of its own: the caller passes the time,
// so tests drive it directly.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::server {

class AcceptFailureLog {
public:
    using Clock = std::chrono::steady_clock;

    explicit AcceptFailureLog(Clock::duration interval) : interval_(interval) {}

    /// Records one failed accept and the connections shed with it. Returns the line to log now:
    /// the first failure, or the first after a quiet interval, with what was held back since.
    std::optional<std::string> failed(Clock::time_point now, std::string_view error,
                                      std::size_t shed);
    /// The line for failures held back, once an interval has passed since the last line.
    std::optional<std::string> flush(Clock::time_point now);
    /// When flush() has a line to give; nullopt when nothing is held back.
    std::optional<Clock::time_point> flushDue() const;

private:
    std::string line() const;

    Clock::duration interval_;
    std::optional<Clock::time_point> last_line_;
    std::string error_;
    std::size_t failures_ = 0;
    std::size_t shed_ = 0;
};

} // namespace parley::server
