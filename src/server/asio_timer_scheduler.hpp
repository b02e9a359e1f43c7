#pragma once

// The production Scheduler of a server session: the io thread the connection lives on, and a few
// reusable steady timers. A session arms at most three timers (init, warning, expiry), thousands
// of sessions re-arm them on every token, and the warning burst of a shared exp is the server's
// hottest moment, so the slots are reused instead of allocated per timer.
//
// Due times are wall-clock (the session's Clock) and are turned into a steady wait when armed: a
// server's clock is disciplined, so unlike the client's scheduler it does not re-check for jumps.
//
// Lifetime: destroying the scheduler cancels every timer and drops every task not yet run, so a
// task may capture its owner without keeping it alive. Single-threaded, like Scheduler requires,
// except post().

#include <parley/token/scheduler.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <vector>

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
    struct Slot {
        explicit Slot(const boost::asio::any_io_executor& executor) : timer(executor) {}
        boost::asio::steady_timer timer;
        TimerId id = 0; // 0: free
        std::function<void()> task;
    };
    // Shared with pending handlers, so a handler that runs after the scheduler is gone finds the
    // slots still there, and empty.
    struct State {
        std::vector<std::unique_ptr<Slot>> slots;
        bool alive = true;
    };

    Slot& freeSlot();

    boost::asio::any_io_executor executor_;
    const token::Clock* clock_;
    std::shared_ptr<State> state_;
    TimerId next_id_ = 1;
};

} // namespace parley::server
