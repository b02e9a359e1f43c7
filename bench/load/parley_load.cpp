// parley_load: load program for `parley serve`. It opens N authenticated WebSocket
// connections over loopback, renews every token, and measures how late the server's
// token_about_to_expire and token_expired arrive when a whole batch of tokens shares one exp; along
// the way it reports the connect and renewal rates, the server's memory per connection, and the CPU
// each side spent, to show which side was saturated. Everything stays on 127.0.0.0/8, and the run
// stops by itself after --max-seconds. README.md in this directory has the method and figures.

#include "load_report.hpp"
#include "load_run.hpp"
#include "server_child.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <thread>

namespace {

using namespace parley::load;

struct CommandLine {
    std::size_t connections = 10000;
    std::string url;
    std::uint16_t port = 0;
    std::optional<int> server_pid;
    std::string account_sid;
    std::string api_key;
    std::string api_secret;
    std::string server_binary = PARLEY_LOAD_SERVER_BINARY;
    // parley serve's own default: one io thread per core.
    unsigned server_threads = std::max(1U, std::thread::hardware_concurrency());
    std::string server_log_level = "warn";
    std::int64_t window = 5;
    std::int64_t init_ttl = 300;
    std::int64_t renew_ttl = 20;
    std::size_t expiry_batch = 0;
    std::size_t in_flight = 256;
    unsigned client_threads = 1;
    int lifecycle_nice = 19;
    std::size_t sample_every = 0;
    std::int64_t hold_reads_ms = 250;
    std::int64_t max_seconds = 120;
    std::int64_t grace = 10;
    std::string identity_prefix = "load-";
    std::optional<std::int64_t> renew_at;
    bool json = false;
    bool keep_temp = false;
};

void addOptions(CLI::App& app, CommandLine& args) {
    app.add_option("-n,--connections", args.connections, "WebSocket connections to open")
        ->capture_default_str();
    app.add_option("--url", args.url,
                   "Use a running server, ws://127.x.y.z:PORT/v1/ws (loopback only)");
    app.add_option("--port", args.port, "Use a running server on 127.0.0.1:PORT");
    app.add_option("--server-pid", args.server_pid,
                   "Pid of that running server, for its CPU and memory");
    app.add_option("--account-sid", args.account_sid, "That server's account SID");
    app.add_option("--api-key", args.api_key, "That server's API key SID");
    app.add_option("--api-secret", args.api_secret, "That server's API secret");
    app.add_option("--server-binary", args.server_binary, "parley binary to fork")
        ->capture_default_str();
    app.add_option("--server-threads", args.server_threads,
                   "--threads of the forked server (default: one per core, as parley serve)")
        ->capture_default_str();
    app.add_option("--server-log-level", args.server_log_level, "--log-level of the forked server")
        ->capture_default_str();
    app.add_option("-W,--about-to-expire-window", args.window,
                   "Seconds; must match the server's (the forked one is given it)")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();
    app.add_option("--init-ttl", args.init_ttl, "TTL of the init tokens (s)")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    app.add_option("--renew-ttl", args.renew_ttl,
                   "TTL of the renewal tokens (s): the first exp is this far after renewal")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    app.add_option("--expiry-batch", args.expiry_batch,
                   "Connections sharing each exp second (0: all)")
        ->capture_default_str();
    app.add_option("--in-flight", args.in_flight, "Connects outstanding at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
        ->capture_default_str();
    app.add_option("--client-threads", args.client_threads, "io threads of this program")
        ->check(CLI::Range(1U, 16U))
        ->capture_default_str();
    app.add_option("--lifecycle-nice", args.lifecycle_nice,
                   "Nice value of this program's threads from just before the warning burst on, "
                   "so the server gets the cores first (0: equal footing)")
        ->check(CLI::Range(-20, 19))
        ->capture_default_str();
    app.add_option("--sample-every", args.sample_every,
                   "Every k-th connection on an extra io thread that keeps nice 0 and sleeps in "
                   "epoll_wait, so each of its frames wakes it on the server's cores; its arrival "
                   "stamps are then the reported lateness (0: none, every connection's stamp is)")
        ->capture_default_str();
    app.add_option("--hold-reads-ms", args.hold_reads_ms,
                   "From each burst's due instant, leave the sockets unread this long (ms), so "
                   "that the generator's reading does not take the cores the server is sending "
                   "on; arrival is the kernel's stamp either way (0: read as frames come)")
        ->check(CLI::Range(0, 700))
        ->capture_default_str();
    app.add_option("--max-seconds", args.max_seconds, "Stop the run after this long")
        ->check(CLI::Range(5, 3600))
        ->capture_default_str();
    app.add_option("--grace", args.grace, "Seconds after the last exp to wait for late events")
        ->check(CLI::Range(1, 600))
        ->capture_default_str();
    app.add_option("--identity-prefix", args.identity_prefix,
                   "Connection i signs in as this followed by i (distinct per load program when "
                   "several share a cluster)")
        ->capture_default_str();
    app.add_option("--renew-at", args.renew_at,
                   "Unix second at which to renew (tokens issued then), not as soon as all are "
                   "connected: several programs given one second expire together");
    app.add_flag("--json", args.json, "Print the report as one JSON object");
    app.add_flag("--keep-temp", args.keep_temp, "Keep the forked server's temporary directory");
}

/// "ws://HOST:PORT/PATH" on a 127.0.0.0/8 host.
std::expected<ServerAddress, std::string> parseLoopbackUrl(const std::string& url) {
    constexpr std::string_view kScheme = "ws://";
    if (!url.starts_with(kScheme)) {
        return std::unexpected("--url must start with ws://");
    }
    const std::string rest = url.substr(kScheme.size());
    const auto colon = rest.find(':');
    const auto slash = rest.find('/', colon == std::string::npos ? 0 : colon);
    if (colon == std::string::npos) {
        return std::unexpected("--url needs an explicit port");
    }
    boost::system::error_code error;
    const auto host = boost::asio::ip::make_address_v4(rest.substr(0, colon), error);
    if (error || host.to_bytes()[0] != 127) {
        return std::unexpected("--url must name a 127.0.0.0/8 address; this program never "
                               "leaves loopback");
    }
    ServerAddress address{.host = host};
    address.port = static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1, slash - colon - 1)));
    if (slash != std::string::npos) {
        address.target = rest.substr(slash);
    }
    return address;
}

void onSignal(int) {
    g_interrupted.store(true);
}

bool anythingWentWrong(const LoadReport& report) {
    return report.init_failed > 0 || report.renew_failed > 0 ||
           report.about_to_expire.received != report.about_to_expire.expected ||
           report.expired.received != report.expired.expected ||
           report.closes_4410 != report.expired.expected || report.deadline_hit;
}

int run(const CommandLine& args) {
    if (auto raised = raiseDescriptorLimit(args.connections); !raised) {
        std::cerr << "parley_load: " << raised.error() << "\n";
        return 1;
    }
    const bool external = !args.url.empty() || args.port != 0;
    LoadRunOptions options{
        .connections = args.connections,
        .about_to_expire_window = std::chrono::seconds{args.window},
        .init_ttl = std::chrono::seconds{args.init_ttl},
        .renew_ttl = std::chrono::seconds{args.renew_ttl},
        .expiry_batch = args.expiry_batch,
        .in_flight = args.in_flight,
        .client_threads = args.client_threads,
        .lifecycle_nice = args.lifecycle_nice,
        .sample_every = args.sample_every,
        .hold_reads = std::chrono::milliseconds{args.hold_reads_ms},
        .max_seconds = std::chrono::seconds{args.max_seconds},
        .grace = std::chrono::seconds{args.grace},
        .identity_prefix = args.identity_prefix,
        .renew_at = args.renew_at,
    };
    LoadReport report;
    std::unique_ptr<ServerChild> child;
    ServerAddress address{.host = boost::asio::ip::make_address_v4("127.0.0.1")};
    std::optional<ProcessProbe> probe;
    std::function<bool()> alive;
    if (external) {
        if (args.api_key.empty() || args.api_secret.empty()) {
            std::cerr << "parley_load: --url/--port need --api-key and --api-secret\n";
            return 2;
        }
        options.key = {
            .sid = args.api_key, .account_sid = args.account_sid, .secret = args.api_secret};
        if (!args.url.empty()) {
            auto parsed = parseLoopbackUrl(args.url);
            if (!parsed) {
                std::cerr << "parley_load: " << parsed.error() << "\n";
                return 2;
            }
            address = *parsed;
        } else {
            address.port = args.port;
        }
        if (args.server_pid) {
            report.notes.emplace_back("RSS per connection is meaningful only on a server that has "
                                      "not held connections before: freed memory stays with its "
                                      "allocator");
            probe.emplace(*args.server_pid);
            alive = [pid = *args.server_pid] { return ::kill(pid, 0) == 0; };
        } else {
            alive = [] { return true; };
        }
    } else {
        options.key = randomApiKey();
        auto started = ServerChild::start(ServerChildOptions{
            .binary = args.server_binary,
            .key = options.key,
            .about_to_expire_window = std::chrono::seconds{args.window},
            .threads = args.server_threads,
            .log_level = args.server_log_level,
            .keep_temp_dir = args.keep_temp,
        });
        if (!started) {
            std::cerr << "parley_load: " << started.error() << "\n";
            return 1;
        }
        child = std::move(*started);
        address.port = child->port();
        probe.emplace(child->pid());
        alive = [&child] { return child->running(); };
        report.server_threads = args.server_threads;
    }
    report.server_url =
        "ws://" + address.host.to_string() + ":" + std::to_string(address.port) + address.target;
    if (probe) {
        report.server_pid = probe->pid();
    }
    if (args.renew_ttl <= args.window) {
        report.notes.emplace_back("--renew-ttl is not above W: every warning fires at once, on the "
                                  "renewal, so its lateness measures nothing");
    }
    {
        LoadRun load{options, address, probe, alive};
        load.run(report);
    }
    if (child) {
        const bool died = !child->running();
        const std::string status = child->stop();
        report.server_status =
            died ? "DIED during the run (" + status + ")" : "stayed up; on SIGTERM: " + status;
        if (died || anythingWentWrong(report)) {
            report.server_log_tail = child->logTail();
        }
    } else {
        report.server_status = alive() ? "still running (not ours to stop)" : "GONE";
    }
    if (args.json) {
        printJson(report, std::cout);
    } else {
        printText(report, std::cout);
    }
    return anythingWentWrong(report) ? 3 : 0;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        CLI::App app{"Load program for parley serve: connections, renewals and lifecycle-event "
                     "lateness over loopback"};
        CommandLine args;
        addOptions(app, args);
        CLI11_PARSE(app, argc, argv);
        return run(args);
    } catch (const std::exception& error) {
        std::cerr << "parley_load: " << error.what() << "\n";
        return 1;
    }
}
