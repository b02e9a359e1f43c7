#pragma once

// What the SDK's connection tests look at, as values rather than strings (ClientEventLog has
// those): connections, states, connection errors, disconnects and messages, with waits that have
// a deadline. Read the fields under `mutex`.

#include <parley/client/chat_client.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace parley::testing {

class ClientRecorder final : public client::ChatClientListener {
public:
    void onConnected(const client::TokenInfo&, bool) override {
        record([&] { ++connections; });
    }
    void onConnectionStateChanged(client::ConnectionState state) override {
        record([&] { states.push_back(state); });
    }
    void onConnectionError(const client::ConnectionError& error) override {
        record([&] { errors.push_back(error); });
    }
    void onDisconnected(const client::Disconnect& disconnect) override {
        record([&] { disconnects.push_back(disconnect); });
    }
    void onMessageAdded(const client::Message& message) override {
        record([&] { messages.push_back(message); });
    }
    /// Waits until `done` (called under `mutex`) holds; whether it did before `timeout`.
    bool waitUntil(const std::function<bool()>& done,
                   std::chrono::milliseconds timeout = std::chrono::seconds{30}) {
        std::unique_lock lock{mutex};
        return changed.wait_for(lock, timeout, done);
    }

    std::mutex mutex;
    std::condition_variable changed;
    int connections = 0;
    std::vector<client::ConnectionState> states;
    std::vector<client::ConnectionError> errors;
    std::vector<client::Disconnect> disconnects;
    std::vector<client::Message> messages;

private:
    void record(const std::function<void()>& change) {
        {
            const std::lock_guard lock{mutex};
            change();
        }
        changed.notify_all();
    }
};

} // namespace parley::testing
