#include "client/event_dispatcher.hpp"

#include <vector>

namespace parley::client {

std::shared_ptr<EventDispatcher> EventDispatcher::create(Executor executor) {
    auto dispatcher = std::make_shared<EventDispatcher>(std::move(executor));
    if (!dispatcher->executor_) {
        dispatcher->thread_ = std::thread(&EventDispatcher::runOwnThread, dispatcher);
    }
    return dispatcher;
}

EventDispatcher::~EventDispatcher() {
    // The own thread held a reference until it left its loop, so it is done or finishing.
    if (thread_.joinable()) {
        if (thread_.get_id() == std::this_thread::get_id()) {
            thread_.detach();
        } else {
            thread_.join();
        }
    }
}

Subscription EventDispatcher::add(std::shared_ptr<ChatClientListener> listener) {
    const std::lock_guard lock{mutex_};
    if (closed_) {
        return Subscription{};
    }
    const std::uint64_t id = next_id_++;
    listeners_.emplace(id, std::move(listener));
    return Subscription{[weak = weak_from_this(), id] {
        if (const auto self = weak.lock()) {
            const std::lock_guard inner{self->mutex_};
            self->listeners_.erase(id);
        }
    }};
}

void EventDispatcher::emit(std::function<void(ChatClientListener&)> event) {
    enqueue([this, event = std::move(event)] {
        std::vector<std::shared_ptr<ChatClientListener>> targets;
        {
            const std::lock_guard lock{mutex_};
            targets.reserve(listeners_.size());
            for (const auto& [id, listener] : listeners_) {
                targets.push_back(listener);
            }
        }
        for (const auto& listener : targets) {
            event(*listener);
        }
    });
}

void EventDispatcher::deliver(std::function<void()> callback) {
    enqueue(std::move(callback));
}

void EventDispatcher::enqueue(std::function<void()> task) {
    if (executor_) {
        executor_([weak = weak_from_this(), task = std::move(task)] {
            if (const auto self = weak.lock()) {
                self->runDelivery(task);
            }
        });
        return;
    }
    {
        const std::lock_guard lock{mutex_};
        if (closed_) {
            return;
        }
        queue_.push_back(std::move(task));
    }
    queued_.notify_one();
}

void EventDispatcher::runDelivery(const std::function<void()>& task) {
    const std::lock_guard delivering{delivery_mutex_};
    {
        const std::lock_guard lock{mutex_};
        if (closed_) {
            return;
        }
        delivering_thread_ = std::this_thread::get_id();
    }
    task();
    const std::lock_guard lock{mutex_};
    delivering_thread_ = {};
}

void EventDispatcher::runOwnThread(std::shared_ptr<EventDispatcher> self) {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock{self->mutex_};
            self->queued_.wait(lock, [&self] { return self->closed_ || !self->queue_.empty(); });
            if (self->closed_) {
                break;
            }
            task = std::move(self->queue_.front());
            self->queue_.pop_front();
        }
        self->runDelivery(task);
    }
}

void EventDispatcher::close() {
    std::map<std::uint64_t, std::shared_ptr<ChatClientListener>> dropped;
    bool inside_callback = false;
    {
        const std::lock_guard lock{mutex_};
        closed_ = true;
        dropped.swap(listeners_);
        queue_.clear();
        inside_callback = delivering_thread_ == std::this_thread::get_id();
    }
    queued_.notify_all();
    if (!inside_callback) {
        // Wait out a callback running on another thread: after close() returns, none runs.
        const std::lock_guard wait{delivery_mutex_};
    }
}

} // namespace parley::client
