#include "server/due_timers.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace parley::server {

DueTimers::DueTimers(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {}

DueTimers& DueTimers::of(const boost::asio::any_io_executor& executor) {
    return boost::asio::use_service<DueTimers>(
        boost::asio::query(executor, boost::asio::execution::context));
}

DueTimers::Key DueTimers::add(Clock::time_point due, std::function<void()> task,
                              const boost::asio::any_io_executor& executor) {
    Key added;
    {
        const std::lock_guard lock{mutex_};
        added = Key{due, next_++};
        queue_.emplace(added, std::move(task));
    }
    if (!timer_) {
        timer_.emplace(executor);
    }
    arm();
    return added;
}

void DueTimers::remove(const Key& timer) {
    std::function<void()> removed; // destroyed unlocked: it may own what removes timers too
    const std::lock_guard lock{mutex_};
    if (auto node = queue_.extract(timer)) {
        removed = std::move(node.mapped());
    }
}

std::size_t DueTimers::size() const {
    const std::lock_guard lock{mutex_};
    return queue_.size();
}

void DueTimers::arm() {
    Clock::time_point earliest;
    {
        const std::lock_guard lock{mutex_};
        if (queue_.empty()) {
            return; // a wait still armed finds nothing due and stops
        }
        earliest = queue_.begin()->first.first;
    }
    if (armed_for_ && *armed_for_ <= earliest) {
        return; // it wakes in time; a removed earlier timer costs one wake-up with nothing due
    }
    armed_for_ = earliest;
    timer_->expires_at(earliest); // cancels the wait for a later time
    timer_->async_wait([this](boost::system::error_code error) {
        if (!error) { // operation_aborted: re-armed for an earlier time, or shut down
            fire();
        }
    });
}

void DueTimers::fire() {
    armed_for_.reset();
    const Clock::time_point now = Clock::now();
    std::uint64_t added_before = 0;
    {
        const std::lock_guard lock{mutex_};
        added_before = next_;
    }
    // Only the timers added before this wake-up run in it: one a task adds, even if due already,
    // waits for the next, so the thread's other handlers (a read that resets a keep-alive, say)
    // come first, as they did between separate timers.
    Key after{Clock::time_point::min(), 0};
    while (true) {
        std::function<void()> task;
        {
            const std::lock_guard lock{mutex_};
            auto next = queue_.lower_bound(after);
            while (next != queue_.end() && next->first.first <= now &&
                   next->first.second >= added_before) {
                ++next;
            }
            if (next == queue_.end() || next->first.first > now) {
                break;
            }
            after = next->first;
            task = std::move(queue_.extract(next).mapped());
        }
        // Out of the queue first, so the task may add and remove timers, its own included.
        task();
    }
    arm();
}

void DueTimers::shutdown() {
    std::map<Key, std::function<void()>> dropped;
    {
        const std::lock_guard lock{mutex_};
        dropped.swap(queue_);
    }
    // Before the context's timer service goes away; the pending wait is dropped unrun.
    timer_.reset();
    armed_for_.reset();
}

} // namespace parley::server
