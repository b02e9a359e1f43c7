#pragma once

// What the client end-to-end tests share (client_test.cpp, client_reconnect_test.cpp): real
// ChatClients against a real `parley serve`, the event log they record into, and a server that
// can be killed and started again on the same port and data directory.

#include "client_event_log.hpp"
#include "protocol/codes.hpp"
#include "protocol/names.hpp"
#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/client/chat_client.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parley::testing {

using namespace std::chrono_literals;
using client::ChatClient;
using client::ChatClientOptions;
using client::ConnectionState;
using token::TokenError;

inline std::string tokenError(TokenError code) {
    return "tokenError:" + std::to_string(static_cast<int>(code));
}

inline std::string disconnected(protocol::CloseCode code) {
    return "disconnected:" + std::to_string(static_cast<int>(code));
}

inline int codeOf(TokenError code) {
    return static_cast<int>(code);
}

inline std::string urlOf(std::uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
}

// Polls a condition the SDK exposes only as state (not as an event), with a deadline.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return condition();
}

struct Client {
    std::shared_ptr<ClientEventLog> log = std::make_shared<ClientEventLog>();
    std::shared_ptr<ChatClient> chat;

    Client(std::uint16_t port, const std::string& token, std::chrono::seconds window = 1s,
           lifecycle::BackoffPolicy reconnect = {.initial = 50ms, .max = 200ms}) {
        chat = ChatClient::create(token, ChatClientOptions{.url = urlOf(port),
                                                           .about_to_expire_window = window,
                                                           .reconnect = reconnect,
                                                           .listener = log});
    }
};

inline std::vector<std::int64_t> indexesOf(const std::vector<client::Message>& messages) {
    std::vector<std::int64_t> out;
    for (const auto& message : messages) {
        out.push_back(message.index);
    }
    return out;
}

inline std::vector<std::int64_t> range(std::int64_t count) {
    std::vector<std::int64_t> out;
    for (std::int64_t i = 0; i < count; ++i) {
        out.push_back(i);
    }
    return out;
}

// A server that can be killed and started again on the same port and data directory, so
// clients reconnect to the same URL and find what was stored.
class RestartableServer {
public:
    explicit RestartableServer(const std::string& name)
        : data_dir_(std::filesystem::temp_directory_path() /
                    ("parley-client-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(data_dir_);
        start();
    }
    ~RestartableServer() {
        server_.reset();
        std::filesystem::remove_all(data_dir_);
    }
    RestartableServer(const RestartableServer&) = delete;
    RestartableServer& operator=(const RestartableServer&) = delete;

    std::uint16_t port() const { return port_; }
    void kill() {
        ASSERT_EQ(server_->stop(SIGKILL), 128 + SIGKILL);
        server_.reset();
    }
    void start() {
        server_ =
            std::make_unique<ServerProcess>(std::vector<std::string>{}, data_dir_, true, port_);
        port_ = server_->port();
    }

private:
    std::filesystem::path data_dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ServerProcess> server_;
};

} // namespace parley::testing
