#pragma once

// Listener registry and delivery for ChatClient events. Both styles (lambdas and the
// ChatClientListener interface) go through one list: a lambda registration becomes a small
// listener that forwards one event, so both see the same events in the same order.
//
// Events are emitted on the io thread and delivered one at a time on the callback executor. After
// `close()` nothing more is delivered, and `close()` waits for a delivery in progress (unless it
// is called from inside one).

#include <parley/client/chat_client_listener.hpp>
#include <parley/client/subscription.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace parley::client {

class EventDispatcher : public std::enable_shared_from_this<EventDispatcher> {
public:
    using Executor = std::function<void(std::function<void()>)>;

    /// With no executor, the dispatcher runs a thread of its own, which holds a reference until
    /// `close()`: so the dispatcher outlives a callback that drops the client's last reference.
    static std::shared_ptr<EventDispatcher> create(Executor executor);
    explicit EventDispatcher(Executor executor) : executor_(std::move(executor)) {}
    ~EventDispatcher();
    EventDispatcher(const EventDispatcher&) = delete;
    EventDispatcher& operator=(const EventDispatcher&) = delete;

    Subscription add(std::shared_ptr<ChatClientListener> listener);
    /// Queues `event` for every listener registered when it is delivered.
    void emit(std::function<void(ChatClientListener&)> event);
    /// Queues an arbitrary callback (an operation's completion) in the same order as events.
    void deliver(std::function<void()> callback);
    /// Stops delivery and drops every listener. Idempotent.
    void close();

private:
    void enqueue(std::function<void()> task);
    static void runOwnThread(std::shared_ptr<EventDispatcher> self);
    void runDelivery(const std::function<void()>& task);

    Executor executor_;
    std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<ChatClientListener>> listeners_;
    std::uint64_t next_id_ = 1;
    bool closed_ = false;
    // Held while a callback runs, so close() can wait for it.
    std::recursive_mutex delivery_mutex_;
    std::thread::id delivering_thread_;
    // The dispatcher's own thread, when no executor was given.
    std::condition_variable queued_;
    std::deque<std::function<void()>> queue_;
    std::thread thread_;
};

} // namespace parley::client
