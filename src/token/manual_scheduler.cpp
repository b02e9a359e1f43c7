#include <parley/token/manual_scheduler.hpp>

#include <algorithm>
#include <iterator>
#include <optional>

namespace parley::token {

void ManualScheduler::post(std::function<void()> task) {
    {
        const std::lock_guard lock{mutex_};
        posted_.push_back(std::move(task));
    }
    posted_cv_.notify_all();
}

Scheduler::TimerId ManualScheduler::scheduleAt(TimePoint due, std::function<void()> task) {
    const std::lock_guard lock{mutex_};
    const TimerId id = next_id_++;
    timers_.emplace(std::pair{due, id}, std::move(task));
    return id;
}

void ManualScheduler::cancel(TimerId timer) {
    const std::lock_guard lock{mutex_};
    std::erase_if(timers_, [timer](const auto& entry) { return entry.first.second == timer; });
}

bool ManualScheduler::runOne() {
    std::function<void()> task;
    {
        const std::lock_guard lock{mutex_};
        if (!posted_.empty()) {
            task = std::move(posted_.front());
            posted_.pop_front();
        } else if (!timers_.empty() && timers_.begin()->first.first <= clock_->now()) {
            task = std::move(timers_.begin()->second);
            timers_.erase(timers_.begin());
        } else {
            return false;
        }
    }
    task(); // outside the lock: tasks schedule and cancel
    return true;
}

std::size_t ManualScheduler::runReady() {
    std::size_t ran = 0;
    while (runOne()) {
        ++ran;
    }
    return ran;
}

void ManualScheduler::advance(std::chrono::milliseconds delta) {
    const TimePoint target = clock_->now() + delta;
    runReady();
    for (;;) {
        std::optional<TimePoint> next;
        {
            const std::lock_guard lock{mutex_};
            if (!timers_.empty() && timers_.begin()->first.first <= target) {
                next = timers_.begin()->first.first;
            }
        }
        if (!next) {
            break;
        }
        clock_->set(std::max(*next, clock_->now()));
        runReady();
    }
    clock_->set(target);
    runReady();
}

void ManualScheduler::jumpTo(TimePoint time) {
    clock_->set(time);
    runReady();
}

bool ManualScheduler::runUntil(const std::function<bool()>& done,
                               std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        runReady();
        if (done()) {
            return true;
        }
        std::unique_lock lock{mutex_};
        if (!posted_cv_.wait_until(lock, deadline, [this] { return !posted_.empty(); })) {
            lock.unlock();
            runReady();
            return done();
        }
    }
}

std::size_t ManualScheduler::pendingTimers() const {
    const std::lock_guard lock{mutex_};
    return timers_.size();
}

} // namespace parley::token
