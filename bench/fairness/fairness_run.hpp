#pragma once

// The phases of one fairness run against a server that is already listening: the heavy user
// fills its channel; the victim pings through a quiet phase (nobody else busy) and then a loaded
// phase (the heavy user reading its channel back in a loop); the report compares the two.
//
// Threading: run() on one driver thread. The heavy user and the victim each have an io_context
// and a thread of their own, so the victim's replies are never read behind a 16 MB page.

#include "fairness_report.hpp"
#include "heavy_reader.hpp"
#include "ping_victim.hpp"
#include "server_child.hpp"

#include <parley/token/api_key.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace parley::bench {

class FairnessRun {
public:
    FairnessRun(FairnessOptions options, Endpoint server, token::ApiKey key,
                load::ProcessProbe server_probe, std::function<bool()> server_alive);
    ~FairnessRun();
    FairnessRun(const FairnessRun&) = delete;
    FairnessRun& operator=(const FairnessRun&) = delete;

    /// Runs every phase and fills the report; stops early (with first_error set) on a failure.
    void run(FairnessReport& report);

private:
    std::expected<void, std::string> runPhases(FairnessReport& report);
    void startIo();
    std::expected<void, std::string> fill(FairnessReport& report);
    std::expected<FairnessPhase, std::string> pingPhase();
    std::expected<void, std::string> loadedPhase(FairnessReport& report);
    /// Waits for `done`; an error when it timed out or something failed first.
    std::expected<void, std::string> waitUntil(const std::function<bool()>& done,
                                               std::chrono::seconds timeout, const char* what);
    /// The first failure of the heavy user, the victim or the server; empty when none.
    std::string failure() const;
    void stopIo();

    FairnessOptions options_;
    Endpoint server_;
    token::ApiKey key_;
    load::ProcessProbe probe_;
    std::function<bool()> server_alive_;
    boost::asio::io_context heavy_io_{1};
    boost::asio::io_context victim_io_{1};
    /// Declared after the io_contexts, so destroyed before them.
    std::unique_ptr<HeavyReader> heavy_;
    std::unique_ptr<PingVictim> victim_;
    std::thread heavy_thread_;
    std::thread victim_thread_;
};

} // namespace parley::bench
