#pragma once

// The handle a listener registration returns: the listener stays registered while the handle
// lives (or until unsubscribe()), like a scoped connection.

#include <functional>
#include <utility>

namespace parley::client {

class [[nodiscard]] Subscription {
public:
    Subscription() = default;
    explicit Subscription(std::function<void()> unsubscribe)
        : unsubscribe_(std::move(unsubscribe)) {}
    ~Subscription() { unsubscribe(); }
    Subscription(Subscription&& other) noexcept
        : unsubscribe_(std::exchange(other.unsubscribe_, {})) {}
    Subscription& operator=(Subscription&& other) noexcept {
        if (this != &other) {
            unsubscribe();
            unsubscribe_ = std::exchange(other.unsubscribe_, {});
        }
        return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    /// Removes the listener; a callback already running finishes. Idempotent.
    void unsubscribe() {
        if (auto action = std::exchange(unsubscribe_, {})) {
            action();
        }
    }
    /// Keeps the listener registered for the client's whole life, dropping the handle.
    void release() { unsubscribe_ = {}; }

private:
    std::function<void()> unsubscribe_;
};

} // namespace parley::client
