#pragma once

// One throwaway PostgreSQL server for a whole test binary (a gtest Environment): started on first
// use, so listing the tests starts nothing, and stopped when the binary's tests are done. Tests
// that stop the server (fault tests) start their own PostgresServer instead.

#include "postgres_server.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace parley::testing {

class PostgresEnvironment : public ::testing::Environment {
public:
    /// The shared server, started on the first call.
    static PostgresServer& server() {
        const std::scoped_lock lock{mutex()};
        if (!instance()) {
            instance() = std::make_unique<PostgresServer>();
        }
        return *instance();
    }

    /// A database name no other test in this run uses.
    static std::string freshDatabaseName(const std::string& prefix = "parley_test") {
        static std::atomic<unsigned> counter{0};
        return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    }

    void TearDown() override {
        const std::scoped_lock lock{mutex()};
        instance().reset();
    }

private:
    static std::unique_ptr<PostgresServer>& instance() {
        static std::unique_ptr<PostgresServer> server;
        return server;
    }
    static std::mutex& mutex() {
        static std::mutex lock;
        return lock;
    }
};

} // namespace parley::testing
