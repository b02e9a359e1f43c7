#pragma once

// Waiting on a condition with a deadline, for tests that watch another process or thread (a log
// file, a metric, a socket, a broker's health) where there is no event to wait on. The deadline
// fails the wait; it is never the assertion. Shared by the unit and integration tests.

#include <chrono>
#include <thread>

namespace parley::testing {

/// Polls `predicate` every 10 ms until it holds or `timeout` passes; whether it held.
template <typename Predicate>
bool waitUntil(Predicate predicate, std::chrono::steady_clock::duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return true;
}

} // namespace parley::testing
