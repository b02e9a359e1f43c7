// parley_fanout: load program for `parley serve`. The cost it isolates: fan-out,
// the server's work per delivered message event when one channel of S members, each its own
// identity on its own connection, gets messages from a few senders that keep a window of
// message.send requests in flight. It reports deliveries/s (message events received by all
// members), sends/s, delivery latency, and the CPU of each side to show which one was saturated.
// Loopback only; it starts its own server and stops by itself. bench/README.md has the method.

#include "bench_setup.hpp"
#include "fanout_run.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

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
            Endpoint{.host = boost::asio::ip::make_address_v4("127.0.0.1"), .port = child.port()},
            key, probe, [&child] { return child.running(); }};
        fanout.run(report);
    }
    const unsigned server_cores = args.pin ? 1U : args.server_threads;
    const unsigned client_cores = args.pin ? 1U : args.run.client_threads;
    report.verdict = saturationVerdict(report.cpu, server_cores, client_cores, args.pin);
    report.server_peak_rss_kib = probe.peakResidentKib();
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
