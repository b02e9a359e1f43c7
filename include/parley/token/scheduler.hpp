#pragma once

// Time as a dependency, the active half: where the lifecycle engine, the AccessManager, the
// client's connection logic and the server's sessions run their work and arm their timers.
// Production code uses an Asio-backed scheduler; tests use ManualScheduler, which fires due
// callbacks in order when its clock is advanced, so a 24-hour token lifecycle is tested in
// microseconds.

#include <parley/token/clock.hpp>

#include <cstdint>
#include <functional>

namespace parley::token {

/// A serial executor with wall-clock timers.
///
/// Contract: every callback (posted or timed) runs on one logical thread, one at a time, never
/// inside the call that scheduled it. `post` may be called from any thread; `scheduleAt` and
/// `cancel` only from inside a callback of the same scheduler (or before it starts running).
class Scheduler {
public:
    using TimerId = std::uint64_t;

    virtual ~Scheduler() = default;

    /// Runs `task` soon, after the callbacks already queued.
    virtual void post(std::function<void()> task) = 0;

    /// Runs `task` once the scheduler's clock reads `due` or later. `due` is wall-clock time: if
    /// the clock jumps forward (a laptop waking up), a task whose time has passed runs at once.
    virtual TimerId scheduleAt(TimePoint due, std::function<void()> task) = 0;

    /// Cancels a timer that has not run; harmless for one that has, or for 0.
    virtual void cancel(TimerId timer) = 0;

    /// The clock `scheduleAt` measures against.
    virtual const Clock& clock() const = 0;
};

} // namespace parley::token
