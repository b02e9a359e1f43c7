#pragma once

// The production Scheduler: an Asio io_context's thread and steady timers, measuring due times on
// a wall Clock. A steady timer alone would miss a wall-clock jump or a suspend (its deadline does
// not move with the wall clock), so a wait is never longer than `recheck`: after a wake, whatever
// is due runs within that long, once.

#include <parley/lifecycle/scheduler.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>

namespace parley::client {

class AsioScheduler final : public lifecycle::Scheduler {
public:
    AsioScheduler(boost::asio::io_context& io, const token::Clock& clock,
                  std::chrono::milliseconds recheck);

    void post(std::function<void()> task) override;
    TimerId scheduleAt(token::TimePoint due, std::function<void()> task) override;
    void cancel(TimerId timer) override;
    const token::Clock& clock() const override { return *clock_; }

    /// Timers armed now (for ChatClientStats).
    std::size_t armedTimers() const { return timers_.size(); }
    /// Cancels every timer (shutdown).
    void cancelAll();

private:
    struct Timer {
        boost::asio::steady_timer timer;
        token::TimePoint due;
        std::function<void()> task;
    };
    void wait(TimerId id);

    boost::asio::io_context* io_;
    const token::Clock* clock_;
    std::chrono::milliseconds recheck_;
    std::map<TimerId, std::unique_ptr<Timer>> timers_; // io thread only
    TimerId next_id_ = 1;
};

} // namespace parley::client
