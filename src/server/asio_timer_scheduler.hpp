#pragma once

// The production Scheduler of a server session: the io thread the connection lives on, and that
// thread's DueTimers. A session arms at most three timers (init, warning, expiry), thousands of
// sessions re-arm them on every token, and the warning burst of a shared exp is the server's
// hottest moment, so the timers of a whole thread share one steady_timer (due_timers.hpp).
//
// Due times are wall-clock (the session's Clock) and are turned into a steady wait when armed: a
// server's clock is disciplined, so unlike the client's scheduler it does not re-check for jumps.
//
// Lifetime: destroying the scheduler cancels every timer and drops every task not yet run, so a
// task may capture its owner without keeping it alive. Single-threaded, like Scheduler requires,
// except post() and the destructor.

#include "server/due_timers.hpp"

#include <parley/token/scheduler.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/container/small_vector.hpp>

#include <memory>

namespace parley::server {

class AsioTimerScheduler final : public token::Scheduler {
public:
    AsioTimerScheduler(boost::asio::any_io_executor executor, const token::Clock& clock);
    ~AsioTimerScheduler() override;
    AsioTimerScheduler(const AsioTimerScheduler&) = delete;
    AsioTimerScheduler& operator=(const AsioTimerScheduler&) = delete;

    void post(std::function<void()> task) override;
    TimerId scheduleAt(token::TimePoint due, std::function<void()> task) override;
    void cancel(TimerId timer) override;
    const token::Clock& clock() const override { return *clock_; }

private:
    struct Armed {
        TimerId id;
        DueTimers::Key key;
    };
    // Shared with posted tasks, so one that runs after the scheduler is gone finds it dead.
    // (Timers need no such guard: the destructor takes them out of the queue.)
    struct State {
        bool alive = true;
    };

    using ArmedList = boost::container::small_vector<Armed, 3>;

    /// Drops the record of a timer that has run.
    void forget(TimerId timer);
    ArmedList::iterator find(TimerId timer);

    boost::asio::any_io_executor executor_;
    const token::Clock* clock_;
    DueTimers& timers_;
    std::shared_ptr<State> state_;
    // In the scheduler itself: a task that runs touches its session's memory, not another block.
    ArmedList armed_;
    TimerId next_id_ = 1;
};

} // namespace parley::server
