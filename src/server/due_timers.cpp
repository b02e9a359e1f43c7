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
    while (true) {
        std::function<void()> task;
        {
            const std::lock_guard lock{mutex_};
            if (queue_.empty() || queue_.begin()->first.first > now) {
                break;
            }
            task = std::move(queue_.extract(queue_.begin()).mapped());
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
