// The C++ SDK given the URLs of two nodes over real sockets: it skips a node that refuses, and
// when the node it is on dies (kill -9) it moves to the other one and resumes by index, with no
// message lost or repeated. The two `parley serve` processes share a data folder but never run
// at once (SQLite), which is all moving needs. Every wait has a deadline.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <random>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
using client::ConnectionError;

class Recorder final : public client::ChatClientListener {
public:
    void onConnected(const client::TokenInfo&, bool) override {
        record([&] { ++connections; });
    }
    void onConnectionError(const ConnectionError& error) override {
        record([&] { errors.push_back(error); });
    }
    void onDisconnected(const client::Disconnect& disconnect) override {
        record([&] { disconnects.push_back(disconnect); });
    }
    void onMessageAdded(const client::Message& message) override {
        record([&] { messages.push_back(message); });
    }
    bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 30s) {
        std::unique_lock lock{mutex};
        return changed.wait_for(lock, timeout, done);
    }

    std::mutex mutex;
    std::condition_variable changed;
    int connections = 0;
    std::vector<ConnectionError> errors;
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

// A loopback port bound and not listening (connecting is refused, no one else can take it),
// until release() hands it to a server.
class HeldPort {
public:
    HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof(address);
        auto* raw = reinterpret_cast<sockaddr*>(&address); // the sockets API's own cast
        if (fd_ < 0 || ::bind(fd_, raw, size) != 0 || ::getsockname(fd_, raw, &size) != 0) {
            throw std::runtime_error("cannot bind a loopback port");
        }
        port_ = ntohs(address.sin_port);
    }
    ~HeldPort() { release(); }
    HeldPort(const HeldPort&) = delete;
    HeldPort& operator=(const HeldPort&) = delete;
    std::uint16_t port() const { return port_; }
    void release() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_;
    std::uint16_t port_ = 0;
};

std::string urlAt(std::uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
}

std::filesystem::path freshDir() {
    std::random_device random;
    auto path = std::filesystem::temp_directory_path() /
                ("parley-urls-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    std::filesystem::create_directories(path);
    return path;
}

TEST(ClientUrls, SkipsARefusingNodeThenMovesBackWhenItsNodeIsKilledAndResumesByIndex) {
    const auto data_dir = freshDir();
    HeldPort node_a;
    std::optional<ServerProcess> node_b{std::in_place, std::vector<std::string>{}, data_dir};
    const std::vector<std::string> urls = {urlAt(node_a.port()), urlAt(node_b->port())};
    auto recorder = std::make_shared<Recorder>();
    auto chat = client::ChatClient::create(
        mintToken("alice", 600s),
        {.urls = urls, .reconnect = {.initial = 50ms, .max = 200ms}, .listener = recorder});
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->connections == 1; }));
    {
        const std::lock_guard lock{recorder->mutex};
        ASSERT_FALSE(recorder->errors.empty());
        EXPECT_EQ(recorder->errors.front().url, urls[0]) << "the error names the refusing node";
        EXPECT_EQ(recorder->errors.front().cause, ConnectionError::Cause::kRefused);
        EXPECT_EQ(recorder->errors.front().retry_in, 0ms) << "the next node at once";
    }
    EXPECT_EQ(chat->stats().url, urls[1]);
    ASSERT_TRUE(chat->createChannel("nodes").get());
    ASSERT_TRUE(chat->send("nodes", "one").get());

    EXPECT_EQ(node_b->stop(SIGKILL), 128 + SIGKILL);
    node_a.release();
    ServerProcess node_a_up{{}, data_dir, true, node_a.port()};
    WsTestClient bob{node_a_up.port()};
    ASSERT_EQ(bob.request("init", {{"token", mintToken("bob", 600s)}})["ok"], true);
    ASSERT_EQ(bob.request("channel.join", {{"channel", "nodes"}})["ok"], true);
    // Sent while alice may still be away: she gets it by catch-up or live, once either way.
    ASSERT_EQ(bob.request("message.send", {{"channel", "nodes"}, {"body", "two"}})["ok"], true);

    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->connections == 2; }))
        << "never moved to the other node";
    EXPECT_EQ(chat->stats().url, urls[0]);
    ASSERT_TRUE(chat->send("nodes", "three").get());
    ASSERT_TRUE(recorder->waitUntil([&] { return recorder->messages.size() >= 3; }));
    ASSERT_TRUE(chat->ping().get()); // a barrier: anything repeated would be delivered by now
    chat->shutdown();
    const std::lock_guard lock{recorder->mutex};
    std::vector<std::string> bodies;
    for (const auto& message : recorder->messages) {
        EXPECT_EQ(message.index, static_cast<std::int64_t>(bodies.size()));
        bodies.push_back(message.body);
    }
    EXPECT_EQ(bodies, (std::vector<std::string>{"one", "two", "three"}));
    ASSERT_FALSE(recorder->disconnects.empty());
    EXPECT_TRUE(recorder->disconnects.front().will_reconnect);
    std::filesystem::remove_all(data_dir);
}

TEST(ClientUrls, ABadUrlInTheListIsRefusedAtCreateByName) {
    try {
        client::ChatClient::create(mintToken("alice", 600s),
                                   {.urls = {"ws://127.0.0.1:1/v1/ws", "http://bad.test/v1/ws"}});
        ADD_FAILURE() << "created with a bad URL";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string{error.what()}.find("http://bad.test/v1/ws"), std::string::npos)
            << error.what();
    }
}

} // namespace
} // namespace parley::testing
