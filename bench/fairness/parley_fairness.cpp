// parley_fairness: load program for `parley serve`. The cost it isolates: what one
// heavy reader costs everybody else, i.e. how much a user looping `message.history limit=500`
// over 500 messages of 32 KiB (a 16.5 MB reply each time) delays a small request, `ping`, of
// another user on another connection. It reports the victim's ping round trips with nobody else
// busy (quiet) and beside the heavy reader (loaded) in the same run, and their p99 ratio.
// Loopback only; it starts its own server and stops by itself. bench/README.md has the method.

#include "bench_setup.hpp"
#include "fairness_run.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

namespace {

using namespace parley::bench;

struct CommandLine {
    FairnessOptions run;
    std::int64_t seconds = 10;
    std::string server = PARLEY_BENCH_SERVER_BINARY;
    unsigned server_threads = 1;
    bool pin = false;
    bool json = false;
    bool keep_temp = false;
};

void addOptions(CLI::App& app, CommandLine& args) {
    app.add_option("--messages", args.run.heavy.messages, "Messages the heavy user stores")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
        ->capture_default_str();
    app.add_option("--body-bytes", args.run.heavy.body_bytes, "Bytes of each message body")
        ->check(CLI::Range(std::size_t{1}, std::size_t{32768}))
        ->capture_default_str();
    app.add_option("--page", args.run.heavy.page, "limit of each message.history request")
        ->check(CLI::Range(std::size_t{1}, std::size_t{500}))
        ->capture_default_str();
    app.add_option("--ping-rate", args.run.ping_rate, "Victim pings per second")
        ->check(CLI::Range(1.0, 1000.0))
        ->capture_default_str();
    app.add_option("--seconds", args.seconds, "Length of each phase (quiet, then loaded)")
        ->check(CLI::Range(1, 600))
        ->capture_default_str();
    app.add_option("--server", args.server, "parley binary to start as the server")
        ->capture_default_str();
    app.add_option("--server-threads", args.server_threads, "--threads of the server")
        ->check(CLI::Range(1U, 64U))
        ->capture_default_str();
    app.add_option("--heavy-nice", args.run.heavy_nice,
                   "Nice value of the heavy user's thread here (the victim's keeps 0), so the "
                   "heavy user's reading does not delay the victim's on this program's core")
        ->check(CLI::Range(0, 19))
        ->capture_default_str();
    app.add_flag("--pin", args.pin, "Pin the server to core 0 and this program to core 1");
    app.add_flag("--json", args.json, "Print the report as one JSON object");
    app.add_flag("--keep-temp", args.keep_temp, "Keep the server's temporary directory");
}

int run(CommandLine& args) {
    args.run.phase = std::chrono::seconds{args.seconds};
    FairnessReport report{.options = args.run,
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
    const bool started = measureAgainstServer("parley_fairness", server, report, [&](auto& child) {
        FairnessRun fairness{
            args.run,
            Endpoint{.host = boost::asio::ip::make_address_v4("127.0.0.1"), .port = child.port()},
            key, parley::load::ProcessProbe{child.pid()}, [&child] { return child.running(); }};
        fairness.run(report);
    });
    if (!started) {
        return 1;
    }
    args.json ? printJson(report, std::cout) : printText(report, std::cout);
    return report.ok() ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    try {
        CLI::App app{"parley_fairness: how much one user reading large history pages in a loop "
                     "delays another user's pings, against a parley serve it starts on loopback"};
        CommandLine args;
        addOptions(app, args);
        CLI11_PARSE(app, argc, argv);
        return run(args);
    } catch (const std::exception& error) {
        std::cerr << "parley_fairness: " << error.what() << "\n";
        return 1;
    }
}
