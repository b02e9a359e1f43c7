#pragma once

// Records a ChatClient's events as short strings ("tokenExpired", "disconnected:<close code>",
// "message:CH..:3:bob:hi") and lets a test wait for one with a deadline, never a sleep.

#include <parley/client/chat_client.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace parley::testing {

class ClientEventLog final : public client::ChatClientListener {
public:
    void onConnected(const client::TokenInfo& token, bool reconnected) override {
        add(std::string{reconnected ? "reconnected" : "connected"} + ":" + token.identity);
    }
    void onTokenAboutToExpire(const client::TokenInfo&) override { add("tokenAboutToExpire"); }
    void onTokenExpired(const client::TokenInfo&) override { add("tokenExpired"); }
    void onTokenUpdated(const client::TokenInfo&) override { add("tokenUpdated"); }
    void onTokenError(const client::Error& error) override {
        add("tokenError:" + std::to_string(error.code));
    }
    void onMessageAdded(const client::Message& message) override {
        const std::lock_guard lock{mutex_};
        messages_.push_back(message);
        events_.push_back("message:" + std::to_string(message.index) + ":" + message.body);
        changed_.notify_all();
    }
    void onDisconnected(const client::Disconnect& disconnect) override {
        add("disconnected:" + std::to_string(disconnect.close_code));
    }
    void onConnectionError(const client::ConnectionError& error) override {
        add("connectionError:" + std::string{client::toString(error.cause)});
    }

    /// Waits until `count` events equal to `event` have been seen.
    bool waitFor(const std::string& event, std::size_t count = 1,
                 std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, timeout, [&] {
            return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), event)) >=
                   count;
        });
    }
    /// Waits until `messages()` has at least `count` entries.
    bool waitForMessages(std::size_t count,
                         std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
    }
    std::vector<std::string> events() {
        const std::lock_guard lock{mutex_};
        return events_;
    }
    std::size_t count(const std::string& event) {
        const std::lock_guard lock{mutex_};
        return static_cast<std::size_t>(std::count(events_.begin(), events_.end(), event));
    }
    std::vector<client::Message> messages() {
        const std::lock_guard lock{mutex_};
        return messages_;
    }
    /// The events with those in `kinds` only (a prefix match), in order.
    std::vector<std::string> only(const std::vector<std::string>& kinds) {
        std::vector<std::string> out;
        for (const auto& event : events()) {
            for (const auto& kind : kinds) {
                if (event.rfind(kind, 0) == 0) {
                    out.push_back(event);
                    break;
                }
            }
        }
        return out;
    }

private:
    void add(std::string event) {
        const std::lock_guard lock{mutex_};
        events_.push_back(std::move(event));
        changed_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> events_;
    std::vector<client::Message> messages_;
};

} // namespace parley::testing
