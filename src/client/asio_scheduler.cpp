#include "client/asio_scheduler.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace parley::client {

AsioScheduler::AsioScheduler(boost::asio::io_context& io, const token::Clock& clock,
                             std::chrono::milliseconds recheck)
    : io_(&io), clock_(&clock), recheck_(std::max(recheck, std::chrono::milliseconds{1})) {}

void AsioScheduler::post(std::function<void()> task) {
    boost::asio::post(*io_, std::move(task));
}

lifecycle::Scheduler::TimerId AsioScheduler::scheduleAt(token::TimePoint due,
                                                        std::function<void()> task) {
    const TimerId id = next_id_++;
    timers_.emplace(
        id, std::make_unique<Timer>(Timer{boost::asio::steady_timer{*io_}, due, std::move(task)}));
    wait(id);
    return id;
}

void AsioScheduler::wait(TimerId id) {
    auto& entry = *timers_.at(id);
    const auto left = std::clamp(entry.due - clock_->now(), std::chrono::milliseconds{0}, recheck_);
    entry.timer.expires_after(left);
    entry.timer.async_wait([this, id](boost::system::error_code error) {
        if (error) {
            return; // cancelled: the entry is already gone
        }
        const auto found = timers_.find(id);
        if (found == timers_.end()) {
            return;
        }
        if (clock_->now() < found->second->due) {
            wait(id); // a recheck, not the due time yet
            return;
        }
        auto task = std::move(found->second->task);
        timers_.erase(found);
        task();
    });
}

void AsioScheduler::cancel(TimerId timer) {
    timers_.erase(timer); // destroying the steady_timer cancels its wait
}

void AsioScheduler::cancelAll() {
    timers_.clear();
}

} // namespace parley::client
