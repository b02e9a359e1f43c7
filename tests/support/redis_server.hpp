#pragma once

// A redis-server of the test's own (Debian's /usr/bin/redis-server) on a free port in a temporary
// folder, with nothing saved. RedisServer::shared() starts one the first time a test asks for it
// and a gtest Environment stops it when the binary ends; a test that restarts Redis makes its own.
// Shared by the unit and integration tests.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>

namespace parley::server::test {

class RedisServer {
public:
    /// Starts it on a free port, trying another one when the port was taken meanwhile.
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    static RedisServer& shared();

    int port() const { return port_; }

    /// Starts it again, on the same port (its clients reconnect there), and waits until it
    /// answers; throws when it cannot (the port was taken while it was down).
    void start();

    /// Stops it and waits for the process to end (its clients see their connections drop).
    void stop();

private:
    enum class Launch { kReady, kExited, kTimedOut };
    Launch launch();
    // Whether our own process answers on the port (not another server that holds it).
    bool answers() const;

    int port_ = 0;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
};

// Stops the shared server when the test binary ends.
class RedisEnvironment final : public ::testing::Environment {
public:
    void TearDown() override { server.reset(); }
    std::unique_ptr<RedisServer> server;
};

} // namespace parley::server::test
