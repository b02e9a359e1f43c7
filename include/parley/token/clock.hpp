#pragma once

// Time as a dependency. Token checks and lifecycle logic never read the system clock directly:
// they take a Clock, so tests can put a 24-hour lifetime through its paces in microseconds.

#include <atomic>
#include <chrono>

namespace parley::token {

/// A point in wall-clock time with millisecond resolution, as tokens and the protocol use it.
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;
/// A whole-second point in wall-clock time, as JWT claims (`iat`, `exp`, `nbf`) carry it.
using UnixSeconds = std::chrono::sys_seconds;

/// Source of the current wall-clock time. Implementations must be safe to call from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

/// The real clock: std::chrono::system_clock truncated to milliseconds.
class SystemClock final : public Clock {
public:
    TimePoint now() const override;

    /// A process-wide instance, for callers that have no clock of their own to pass.
    static const SystemClock& instance();
};

/// A clock that only moves when told to; for tests. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start) : now_(start) {}

    TimePoint now() const override { return now_.load(); }
    void set(TimePoint time) { now_.store(time); }
    void advance(std::chrono::milliseconds delta) { now_.store(now_.load() + delta); }

private:
    std::atomic<TimePoint> now_;
};

} // namespace parley::token
