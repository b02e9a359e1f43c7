#pragma once

// What the fan-out and fairness programs do before their first connection: start `parley serve`
// as a child (bench/load/server_child.hpp) with the limits that would otherwise throttle a load
// generator raised, optionally on a core of its own, and mint the users' tokens.

#include "server_child.hpp"

#include <parley/token/api_key.hpp>

#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

namespace parley::bench {

struct BenchServerOptions {
    std::filesystem::path binary;
    token::ApiKey key;
    /// One io thread by default: with --pin the server has core 0 to itself, and one thread is
    /// what one core can run.
    unsigned threads = 1;
    /// `--rate-limit` and `--rate-burst` of the server: far above what any connection here sends,
    /// so nothing is dropped with 50429 and the cost measured is the server's work, not a limit.
    double frames_per_second = 1'000'000;
    /// The server on core 0 and this program on core 1, so neither takes CPU from the other.
    bool pin = false;
    bool keep_temp_dir = false;
};

/// Starts the server with a fresh temporary data directory on a free loopback port. With `pin`,
/// the calling thread pins itself to core 0 before the fork (so the server's threads are born
/// there) and then to core 1. Call it before starting any other thread of this program: Linux
/// keeps the affinity per thread, and new threads inherit it.
std::expected<std::unique_ptr<load::ServerChild>, std::string>
startBenchServer(const BenchServerOptions& options);

/// How the server ended, for the report.
struct ServerOutcome {
    /// "on SIGTERM: exit 0", or "DIED during the run (signal 11 ...)".
    std::string status;
    /// The server's last log lines when it died or the run failed; empty otherwise.
    std::string log_tail;
};

/// Stops the server (SIGTERM, then SIGKILL after a grace period).
ServerOutcome stopBenchServer(load::ServerChild& child, bool run_failed);

/// Starts the server, calls `measure(child)` to fill `report`, stops the server and records how it
/// ended in `report.server_status` and `report.server_log_tail`. Returns false (after saying why on
/// stderr, prefixed with `program`) when the server did not start.
template <class Report, class Measure>
bool measureAgainstServer(std::string_view program, const BenchServerOptions& options,
                          Report& report, Measure measure) {
    auto server = startBenchServer(options);
    if (!server) {
        std::cerr << program << ": " << server.error() << "\n";
        return false;
    }
    measure(**server);
    auto outcome = stopBenchServer(**server, !report.ok());
    report.server_status = std::move(outcome.status);
    report.server_log_tail = std::move(outcome.log_tail);
    return true;
}

/// Pins the calling thread (and threads it starts later) to one core.
std::expected<void, std::string> pinCurrentThread(unsigned cpu);

/// An access token for `identity`; throws if minting fails (a bug here). The server runs without
/// --chat-service, so no grant is needed.
std::string mintToken(const token::ApiKey& key, const std::string& identity,
                      std::chrono::seconds ttl = std::chrono::hours{1});

/// Polls `done` every `step` until it is true or `timeout` passes; returns the last answer.
template <class Predicate>
bool waitFor(Predicate done, std::chrono::steady_clock::duration timeout,
             std::chrono::milliseconds step = std::chrono::milliseconds{5}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return done();
        }
        std::this_thread::sleep_for(step);
    }
    return true;
}

} // namespace parley::bench
