#pragma once

// The cluster of scripts/cluster, started the way a newcomer starts it (PostgreSQL, Redis, three
// `parley serve` nodes, HAProxy in front), with kTestKey as the shared key and `--control`, so a
// test can stop, kill and restart its parts. Its ports come from DIR/cluster.json, which the
// script writes once everything is healthy. Every wait has a deadline.

#include "server_process.hpp"

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace parley::testing {

class ClusterProcess {
public:
    static constexpr int kNodes = 3;

    /// Starts scripts/cluster with `serve_args` for every node; throws (with the script's output)
    /// if cluster.json does not appear within 120 s.
    explicit ClusterProcess(std::vector<std::string> serve_args = {});
    /// Stops the script (SIGTERM), which stops everything it started.
    ~ClusterProcess();
    ClusterProcess(const ClusterProcess&) = delete;
    ClusterProcess& operator=(const ClusterProcess&) = delete;

    /// Node 0..2's port (n1..n3), and HAProxy's.
    std::uint16_t nodePort(int node) const;
    std::uint16_t frontPort() const;
    static std::string nodeName(int node) { return "n" + std::to_string(node + 1); }
    static std::string url(std::uint16_t port);

    /// Sends `stop|kill|start NAME` to the script and waits until it reports it done; throws if
    /// it failed or took longer than 90 s.
    void control(const std::string& command);

    /// SIGTERM to the script; its exit status. Idempotent.
    int stop(std::chrono::seconds timeout = std::chrono::seconds{60});
    /// The pids the script reported (nodes, postgres, redis, haproxy), read afresh.
    std::vector<pid_t> servicePids() const;

    const nlohmann::json& description() const { return description_; }
    std::string output() const;

private:
    nlohmann::json readDescription() const;

    std::filesystem::path dir_; // the script's --dir
    std::filesystem::path top_; // dir_'s parent, ours to remove
    pid_t pid_ = -1;
    int control_fd_ = -1; // the script's stdin
    int commands_ = 0;    // control commands sent
    nlohmann::json description_;
};

} // namespace parley::testing
