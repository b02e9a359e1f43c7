#pragma once

// A redis-server of the test's own (Debian's /usr/bin/redis-server) on a free port in a temporary
// folder, with nothing saved. RedisServer::shared() starts one the first time a test asks for it
// and a gtest Environment stops it when the binary ends; a test that restarts Redis makes its own.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace parley::server::test {

class RedisServer {
public:
    RedisServer() : port_(freePort()) {
        std::string pattern = (std::filesystem::temp_directory_path() / "parley-redis-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = pattern;
        start();
    }
    ~RedisServer() {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    static RedisServer& shared();

    int port() const { return port_; }

    /// Starts it (again, on the same port) and waits until it answers PING.
    void start() {
        const std::string port = std::to_string(port_);
        const std::string log = (dir_ / "redis.log").string();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::execl("/usr/bin/redis-server", "redis-server", "--save", "", "--appendonly", "no",
                    "--port", port.c_str(), "--bind", "127.0.0.1", "--dir", dir_.c_str(),
                    "--logfile", log.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!answers()) {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("redis-server did not start on port " + port);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling, not asserting
        }
    }

    /// Stops it and waits for the process to end (its clients see their connections drop).
    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

private:
    // PING over a plain socket (no client library: the integration tests use this too).
    bool answers() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = loopback(port_);
        // NOLINTNEXTLINE: the sockets API takes a sockaddr*
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        constexpr std::string_view kPing = "PING\r\n";
        ok = ok && ::send(fd, kPing.data(), kPing.size(), MSG_NOSIGNAL) ==
                       static_cast<ssize_t>(kPing.size());
        std::array<char, 16> reply{};
        ok = ok && ::recv(fd, reply.data(), reply.size(), 0) >= 5 &&
             std::string_view{reply.data(), 5} == "+PONG";
        ::close(fd);
        return ok;
    }

    static sockaddr_in loopback(int port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        return address;
    }

    static int freePort() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = loopback(0);
        socklen_t size = sizeof address;
        // NOLINTNEXTLINE: the sockets API takes a sockaddr*
        auto* generic = reinterpret_cast<sockaddr*>(&address);
        if (::bind(fd, generic, size) != 0 || ::getsockname(fd, generic, &size) != 0) {
            ::close(fd);
            throw std::runtime_error("no free port");
        }
        ::close(fd);
        return ntohs(address.sin_port);
    }

    int port_;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
};

// Stops the shared server when the test binary ends.
class RedisEnvironment final : public ::testing::Environment {
public:
    void TearDown() override { server.reset(); }
    std::unique_ptr<RedisServer> server;
};

// Registered before main (gtest_main runs the tests), so gtest tears it down at the end.
inline RedisEnvironment* const kRedisEnvironment = [] {
    auto* made = new RedisEnvironment; // gtest owns and deletes it
    ::testing::AddGlobalTestEnvironment(made);
    return made;
}();

inline RedisServer& RedisServer::shared() {
    if (!kRedisEnvironment->server) {
        kRedisEnvironment->server = std::make_unique<RedisServer>();
    }
    return *kRedisEnvironment->server;
}

} // namespace parley::server::test
