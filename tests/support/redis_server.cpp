#include "redis_server.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace parley::server::test {

namespace {

// A port taken by another process between freePort() and redis-server's bind is rare; a few
// tries are plenty.
constexpr int kPortTries = 5;
constexpr auto kStartDeadline = std::chrono::seconds(20);
// INFO's reply is a few KiB; more than this is not redis-server.
constexpr std::size_t kMaxReply = 64 * 1024;

sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    return address;
}

int freePort() {
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

// Registered before main (gtest_main runs the tests), so gtest tears it down at the end.
RedisEnvironment* const kRedisEnvironment = [] {
    auto* made = new RedisEnvironment; // gtest owns and deletes it
    ::testing::AddGlobalTestEnvironment(made);
    return made;
}();

// Whether `reply` holds a whole RESP reply: an error or status line, or a bulk string.
bool complete(const std::string& reply) {
    const auto line_end = reply.find("\r\n");
    if (line_end == std::string::npos) {
        return false;
    }
    if (!reply.starts_with("$")) {
        return true;
    }
    std::size_t length = 0;
    const auto [end, error] = std::from_chars(reply.data() + 1, reply.data() + line_end, length);
    // Not a length: not Redis; complete, and without our process id.
    return error != std::errc{} || end != reply.data() + line_end ||
           reply.size() >= line_end + 2 + length + 2;
}

} // namespace

RedisServer::RedisServer() {
    std::string pattern = (std::filesystem::temp_directory_path() / "parley-redis-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    for (int attempt = 0; attempt < kPortTries; ++attempt) {
        port_ = freePort();
        switch (launch()) {
        case Launch::kReady:
            return;
        case Launch::kExited:
            continue; // the port was taken meanwhile: another one
        case Launch::kTimedOut:
            break;
        }
        break;
    }
    stop();
    const std::string log = (dir_ / "redis.log").string();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::runtime_error("redis-server did not start on any of " + std::to_string(kPortTries) +
                             " ports (its log was " + log + ")");
}

RedisServer::~RedisServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

RedisServer& RedisServer::shared() {
    if (!kRedisEnvironment->server) {
        kRedisEnvironment->server = std::make_unique<RedisServer>();
    }
    return *kRedisEnvironment->server;
}

void RedisServer::start() {
    if (launch() != Launch::kReady) {
        stop();
        throw std::runtime_error("redis-server did not start again on port " +
                                 std::to_string(port_));
    }
}

void RedisServer::stop() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
}

// Forks redis-server on port_ and waits until it answers, or until it exits (it could not bind:
// the port is taken), or the deadline.
RedisServer::Launch RedisServer::launch() {
    const std::string port = std::to_string(port_);
    const std::string log = (dir_ / "redis.log").string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
        // A test binary that crashes leaves no redis-server behind.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127); // the parent died before prctl
        }
        ::execl("/usr/bin/redis-server", "redis-server", "--save", "", "--appendonly", "no",
                "--port", port.c_str(), "--bind", "127.0.0.1", "--dir", dir_.c_str(), "--logfile",
                log.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + kStartDeadline;
    while (!answers()) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1; // reaped
            return Launch::kExited;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            return Launch::kTimedOut;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling, not asserting
    }
    return Launch::kReady;
}

// INFO over a plain socket (no client library: the integration tests use this too), checked for
// our child's process_id, so a server of someone else's on the port is not taken for ours.
bool RedisServer::answers() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const timeval wait{.tv_sec = 1, .tv_usec = 0}; // a server that never answers is not ready
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    sockaddr_in address = loopback(port_);
    // NOLINTNEXTLINE: the sockets API takes a sockaddr*
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    constexpr std::string_view kInfo = "INFO server\r\n";
    ok = ok &&
         ::send(fd, kInfo.data(), kInfo.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(kInfo.size());
    std::string reply;
    while (ok && !complete(reply)) {
        std::array<char, 4096> chunk{};
        const ssize_t got = ::recv(fd, chunk.data(), chunk.size(), 0);
        ok = got > 0 && reply.size() < kMaxReply;
        reply.append(chunk.data(), ok ? static_cast<std::size_t>(got) : 0U);
    }
    ::close(fd);
    // An error reply (still loading) is no answer either.
    return ok && reply.find("process_id:" + std::to_string(pid_) + "\r\n") != std::string::npos;
}

} // namespace parley::server::test
