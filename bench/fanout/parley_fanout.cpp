// parley_fanout: load program for `parley serve`. The cost it isolates: fan-out,
// the server's work per delivered message event when one channel of S members, each its own
// identity on its own connection, gets messages from a few senders that keep a window of
// message.send requests in flight. It reports deliveries/s (message events received by all
// members), sends/s, delivery latency, and the CPU of each side to show which one was saturated.
// Loopback only; it starts its own server and stops by itself. bench/README.md has the method.

#include "bench_setup.hpp"
#include "fanout_run.hpp"
#include "loopback_url.hpp"

#include <CLI/CLI.hpp>
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <expected>
#include <iostream>
#include <thread>
#include <vector>

namespace {

using namespace parley::bench;

struct CommandLine {
    FanoutOptions run;
    std::int64_t warmup_seconds = 2;
    std::int64_t seconds = 10;
    std::string server = PARLEY_BENCH_SERVER_BINARY;
    unsigned server_threads = 1;
    bool pin = false;
    bool json = false;
    bool keep_temp = false;
    // Running servers instead of a forked one (a cluster's nodes).
    std::vector<std::string> urls;
    std::vector<int> server_pids;
    std::vector<int> cpu_pids;
    std::string account_sid;
    std::string api_key;
    std::string api_secret;
};

void addOptions(CLI::App& app, CommandLine& args) {
    app.add_option("--members", args.run.members, "Members of the channel, one connection each")
        ->check(CLI::Range(std::size_t{2}, std::size_t{15000}))
        ->capture_default_str();
    app.add_option("--senders", args.run.senders, "Members that also send")
        ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
        ->capture_default_str();
    app.add_option("--window", args.run.window, "message.send requests each sender keeps in flight")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
        ->capture_default_str();
    app.add_option("--body-bytes", args.run.body_bytes, "Bytes of each message body")
        ->check(CLI::Range(std::size_t{32}, std::size_t{32768}))
        ->capture_default_str();
    app.add_option("--seconds", args.seconds, "Length of the measured window")
        ->check(CLI::Range(1, 600))
        ->capture_default_str();
    app.add_option("--warmup", args.warmup_seconds, "Seconds of sending before the window")
        ->check(CLI::Range(0, 600))
        ->capture_default_str();
    app.add_option("--server", args.server, "parley binary to start as the server")
        ->capture_default_str();
    app.add_option("--server-threads", args.server_threads, "--threads of the server")
        ->check(CLI::Range(1U, 64U))
        ->capture_default_str();
    app.add_option("--client-threads", args.run.client_threads, "io threads of this program")
        ->check(CLI::Range(1U, 16U))
        ->capture_default_str();
    app.add_option("--max-lag", args.run.max_lag,
                   "Messages the slowest member may be behind before the senders wait (the "
                   "server drops a reader 4,096 frames behind)")
        ->check(CLI::Range(std::size_t{16}, std::size_t{3000}))
        ->capture_default_str();
    app.add_option("--channel-name", args.run.channel_name,
                   "Unique name of the channel (one per run against the same store)")
        ->capture_default_str();
    app.add_option("--url", args.urls,
                   "Running server ws://127.x.y.z:PORT/v1/ws instead of a forked one; repeat for "
                   "the nodes of a cluster: members go round-robin over them, senders to the first")
        ->allow_extra_args(false);
    app.add_option("--server-pid", args.server_pids,
                   "With --url: a process whose CPU counts as the server's (repeat: every node, "
                   "the broker, the store)")
        ->allow_extra_args(false);
    app.add_option("--cpu-pid", args.cpu_pids,
                   "With --url: a process whose CPU counts as the server's too, but whose exit "
                   "does not end the run (store backends come and go)")
        ->allow_extra_args(false);
    app.add_option("--account-sid", args.account_sid, "With --url: the servers' account SID");
    app.add_option("--api-key", args.api_key, "With --url: the servers' API key SID");
    app.add_option("--api-secret", args.api_secret, "With --url: that key's secret");
    app.add_flag("--pin", args.pin, "Pin the server to core 0 and this program to core 1");
    app.add_flag("--json", args.json, "Print the report as one JSON object");
    app.add_flag("--keep-temp", args.keep_temp, "Keep the server's temporary directory");
}

void measure(const CommandLine& args, const parley::token::ApiKey& key,
             parley::load::ServerChild& child, FanoutReport& report) {
    const parley::load::ProcessProbe probe{child.pid()};
    {
        FanoutRun fanout{
            args.run,
            {Endpoint{.host = boost::asio::ip::make_address_v4("127.0.0.1"), .port = child.port()}},
            key,
            {probe},
            [&child] { return child.running(); }};
        fanout.run(report);
    }
    const unsigned server_cores = args.pin ? 1U : args.server_threads;
    const unsigned client_cores = args.pin ? 1U : args.run.client_threads;
    report.verdict = saturationVerdict(report.cpu, server_cores, client_cores, args.pin);
    report.server_peak_rss_kib = probe.peakResidentKib();
}

std::expected<std::vector<Endpoint>, std::string> parseUrls(const std::vector<std::string>& urls) {
    std::vector<Endpoint> servers;
    for (const std::string& url : urls) {
        auto endpoint = parseLoopbackUrl(url);
        if (!endpoint) {
            return std::unexpected(endpoint.error());
        }
        servers.push_back(*endpoint);
    }
    return servers;
}

/// The processes whose CPU counts as the server's: the nodes, then the broker and store.
std::vector<parley::load::ProcessProbe> serverProbes(const CommandLine& args) {
    std::vector<parley::load::ProcessProbe> probes;
    for (const auto& pids : {args.server_pids, args.cpu_pids}) {
        for (const int pid : pids) {
            probes.emplace_back(pid);
        }
    }
    return probes;
}

/// Against running servers: nothing is started or stopped here.
int runExternal(const CommandLine& args, FanoutReport& report) {
    if (args.api_key.empty() || args.api_secret.empty()) {
        std::cerr << "parley_fanout: --url needs --api-key and --api-secret\n";
        return 2;
    }
    auto parsed = parseUrls(args.urls);
    if (!parsed) {
        std::cerr << "parley_fanout: " << parsed.error() << "\n";
        return 2;
    }
    const std::vector<Endpoint>& servers = *parsed;
    const auto probes = serverProbes(args);
    const auto alive = [&args] {
        return std::ranges::all_of(args.server_pids, [](int pid) { return ::kill(pid, 0) == 0; });
    };
    report.nodes = servers.size();
    report.server_processes = probes.size();
    report.server_binary = "external";
    {
        FanoutRun fanout{
            args.run,
            servers,
            {.sid = args.api_key, .account_sid = args.account_sid, .secret = args.api_secret},
            probes,
            alive};
        fanout.run(report);
    }
    // Every node's threads share this machine's cores.
    const unsigned usable = std::min(args.server_threads * static_cast<unsigned>(servers.size()),
                                     std::max(1U, std::thread::hardware_concurrency()));
    report.verdict = saturationVerdict(report.cpu, usable, args.run.client_threads, false);
    report.server_threads = args.server_threads;
    report.server_status = alive() ? "still running (not ours to stop)" : "GONE";
    args.json ? printJson(report, std::cout) : printText(report, std::cout);
    return report.ok() ? 0 : 3;
}

int run(CommandLine& args) {
    args.run.warmup = std::chrono::seconds{args.warmup_seconds};
    args.run.duration = std::chrono::seconds{args.seconds};
    if (auto raised = parley::load::raiseDescriptorLimit(args.run.members + 1); !raised) {
        std::cerr << "parley_fanout: " << raised.error() << "\n";
        return 1;
    }
    FanoutReport report{.options = args.run,
                        .server_binary = args.server,
                        .server_threads = args.server_threads,
                        .pinned = args.pin,
                        .load_average = parley::load::loadAverage()};
    if (!args.urls.empty()) {
        return runExternal(args, report);
    }
    const auto key = parley::load::randomApiKey();
    const BenchServerOptions server{
        .binary = args.server,
        .key = key,
        .threads = args.server_threads,
        .pin = args.pin,
        .keep_temp_dir = args.keep_temp,
    };
    if (!measureAgainstServer("parley_fanout", server, report,
                              [&](auto& child) { measure(args, key, child, report); })) {
        return 1;
    }
    args.json ? printJson(report, std::cout) : printText(report, std::cout);
    return report.ok() ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    try {
        CLI::App app{"parley_fanout: deliveries/s and delivery latency of one channel with many "
                     "members, each on its own connection, against a parley serve it starts on "
                     "loopback"};
        CommandLine args;
        addOptions(app, args);
        CLI11_PARSE(app, argc, argv);
        return run(args);
    } catch (const std::exception& error) {
        std::cerr << "parley_fanout: " << error.what() << "\n";
        return 1;
    }
}
