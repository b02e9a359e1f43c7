#pragma once

// A throwaway PostgreSQL server for tests: initdb into a temporary folder, `postgres` on a free
// loopback port with its unix socket in that folder and fsync off, stopped (SIGINT, a fast
// shutdown) and removed at the end. Run as root (as CI does), it runs initdb and postgres as the
// `postgres` user through `runuser -u postgres --`, since PostgreSQL refuses to run as root.
//
// Create and start it from the main thread: the server is told to stop when the thread that
// started it ends (so a crashed test leaves none behind).
//
// The binaries come from the Debian package (/usr/lib/postgresql/15/bin), or from
// PARLEY_PG_BINDIR when set.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace parley::testing {

class PostgresServer {
public:
    /// Creates the cluster and starts the server; throws std::runtime_error (with the server's
    /// log) if either fails.
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    /// Fast shutdown (SIGINT: clients are disconnected at once) and waits for the exit.
    void stop();
    /// Starts the stopped server again on the same port and data; waits until it accepts.
    void start();
    bool running() const { return runner_pid_ > 0; }

    std::uint16_t port() const { return port_; }
    /// postgresql://postgres@127.0.0.1:PORT/DATABASE
    std::string url(const std::string& database) const;

    /// CREATE DATABASE (UTF8) / DROP DATABASE ... WITH (FORCE); throw std::runtime_error.
    void createDatabase(const std::string& name) const;
    void dropDatabase(const std::string& name) const;
    /// Runs one SQL command on `database`; throws std::runtime_error with the server's message.
    void execute(const std::string& database, const std::string& sql) const;

    /// What the server has logged so far.
    std::string log() const;

private:
    void initdb();
    void waitUntilReady();

    std::filesystem::path directory_;
    std::filesystem::path bin_dir_;
    std::uint16_t port_ = 0;
    pid_t runner_pid_ = -1; // the process we started: runuser, or postgres itself
};

} // namespace parley::testing
