#pragma once

// A Scheduler for tests: nothing runs until the test says so.

#include <parley/token/scheduler.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

namespace parley::token {

/// Runs posted tasks and timers on the thread that calls `runReady`, `advance` or `runUntil`.
/// Timers fire in due order (ties in scheduling order), each with the clock set to its due time,
/// so a test sees the same sequence of events a real run would, at exact instants.
///
/// `post` is thread-safe (a provider may answer from another thread); the rest belongs to the
/// test thread.
class ManualScheduler final : public Scheduler {
public:
    explicit ManualScheduler(token::ManualClock& clock) : clock_(&clock) {}

    void post(std::function<void()> task) override;
    TimerId scheduleAt(TimePoint due, std::function<void()> task) override;
    void cancel(TimerId timer) override;
    const Clock& clock() const override { return *clock_; }

    /// Runs posted tasks and timers already due, until none is left. Returns how many ran.
    std::size_t runReady();
    /// Moves the clock forward step by step through every due timer up to now + `delta`,
    /// running what falls due; the clock ends at now + `delta`.
    void advance(std::chrono::milliseconds delta);
    /// Sets the clock to `time` at once, like a wake from sleep or a clock jump, then runs what
    /// is due: every overdue timer fires once, in due order.
    void jumpTo(TimePoint time);
    /// Runs ready work until `done()` holds, waiting up to `timeout` of real time for tasks
    /// posted from other threads. Returns `done()`.
    bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

    /// Timers armed and not yet run or cancelled.
    std::size_t pendingTimers() const;

private:
    bool runOne(); // one posted task, else one due timer

    token::ManualClock* clock_;
    mutable std::mutex mutex_;
    std::condition_variable posted_cv_;
    std::deque<std::function<void()>> posted_;
    // (due, id) orders by time, then by scheduling order.
    std::map<std::pair<TimePoint, TimerId>, std::function<void()>> timers_;
    TimerId next_id_ = 1;
};

} // namespace parley::token
