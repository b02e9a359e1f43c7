#include "server/asio_timer_scheduler.hpp"

#include "server/outbox_stream.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace parley::server {

AsioTimerScheduler::AsioTimerScheduler(boost::asio::any_io_executor executor,
                                       const token::Clock& clock)
    : executor_(std::move(executor)), clock_(&clock), timers_(DueTimers::of(executor_)),
      state_(std::make_shared<State>()) {}

AsioTimerScheduler::~AsioTimerScheduler() {
    state_->alive = false;
    for (const Armed& armed : armed_) {
        timers_.remove(armed.key);
    }
}

void AsioTimerScheduler::post(std::function<void()> task) {
    boost::asio::post(executor_, [weak = std::weak_ptr<State>{state_}, task = std::move(task)] {
        const auto state = weak.lock();
        if (state && state->alive) {
            task();
        }
    });
}

token::Scheduler::TimerId AsioTimerScheduler::scheduleAt(token::TimePoint due,
                                                         std::function<void()> task) {
    const TimerId id = next_id_++;
    const auto wait = std::max(due - clock_->now(), token::TimePoint::duration{0});
    const auto key = timers_.add(
        DueTimers::Clock::now() + std::chrono::duration_cast<DueTimers::Clock::duration>(wait),
        // The destructor takes every timer out of the queue, so a task never outlives *this.
        [this, id, task = std::move(task)] {
            forget(id);
            // What the task queues (token_about_to_expire, token_expired and the close) is
            // written when it returns, not by a flush posted behind every other timer due now:
            // when thousands of tokens share an exp, each connection's frame leaves as its timer
            // runs. The task may end the session, and this scheduler with it: nothing here is
            // touched after it.
            OutboxCork cork;
            task();
            cork.flush();
        },
        executor_);
    armed_.push_back(Armed{.id = id, .key = key});
    return id;
}

void AsioTimerScheduler::cancel(TimerId timer) {
    if (timer == 0) {
        return;
    }
    if (const auto found = find(timer); found != armed_.end()) {
        timers_.remove(found->key);
        armed_.erase(found);
    }
}

void AsioTimerScheduler::forget(TimerId timer) {
    if (const auto found = find(timer); found != armed_.end()) {
        armed_.erase(found);
    }
}

AsioTimerScheduler::ArmedList::iterator AsioTimerScheduler::find(TimerId timer) {
    return std::find_if(armed_.begin(), armed_.end(),
                        [timer](const Armed& armed) { return armed.id == timer; });
}

} // namespace parley::server
