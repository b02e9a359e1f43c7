#include "server/asio_timer_scheduler.hpp"

#include "server/outbox_stream.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace parley::server {

AsioTimerScheduler::AsioTimerScheduler(boost::asio::any_io_executor executor,
                                       const token::Clock& clock)
    : executor_(std::move(executor)), clock_(&clock), state_(std::make_shared<State>()) {}

AsioTimerScheduler::~AsioTimerScheduler() {
    state_->alive = false;
    for (auto& slot : state_->slots) {
        slot->id = 0;
        slot->task = nullptr;
        try {
            slot->timer.cancel();
        } catch (...) { // NOLINT(bugprone-empty-catch): the handler sees alive == false anyway.
        }
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

AsioTimerScheduler::Slot& AsioTimerScheduler::freeSlot() {
    for (auto& slot : state_->slots) {
        if (slot->id == 0) {
            return *slot;
        }
    }
    return *state_->slots.emplace_back(std::make_unique<Slot>(executor_));
}

token::Scheduler::TimerId AsioTimerScheduler::scheduleAt(token::TimePoint due,
                                                         std::function<void()> task) {
    Slot& slot = freeSlot();
    const TimerId id = next_id_++;
    slot.id = id;
    slot.task = std::move(task);
    slot.timer.expires_after(std::max(due - clock_->now(), std::chrono::milliseconds{0}));
    slot.timer.async_wait([state = state_, slot = &slot, id](boost::system::error_code error) {
        // A cancelled wait, or a slot re-armed for a newer timer since this one fired.
        if (error || !state->alive || slot->id != id) {
            return;
        }
        auto run = std::move(slot->task);
        slot->id = 0;
        slot->task = nullptr;
        // What the task queues (token_about_to_expire, token_expired and the close) is written
        // when it returns, not by a flush posted behind every other timer due now: when
        // thousands of tokens share an exp, each connection's frame leaves as its timer runs.
        OutboxCork cork;
        run();
        cork.flush();
    });
    return id;
}

void AsioTimerScheduler::cancel(TimerId timer) {
    if (timer == 0) {
        return;
    }
    for (auto& slot : state_->slots) {
        if (slot->id == timer) {
            slot->id = 0;
            slot->task = nullptr;
            slot->timer.cancel();
            return;
        }
    }
}

} // namespace parley::server
