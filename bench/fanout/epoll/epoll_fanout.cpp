// epoll_fanout: fan-out load client for a running Redis or `parley serve` on loopback, with its
// own epoll loop on one thread (no Asio in the measured path), so that the same client and the
// same method measure both peers. The cost it isolates: the server's work to deliver each
// message of one channel to S subscribers (deliveries/s at max throughput, send -> receipt at a
// fixed rate), and its memory per idle connection, each beside Redis pub/sub's.
// bench/scripts/fanout-vs-redis starts the servers, pins them and this program, and runs it;
// bench/README.md ("Fan-out against Redis") has the method.

#include "bench_setup.hpp"
#include "channel_setup.hpp"
#include "fanout_driver.hpp"
#include "parley_side.hpp"
#include "redis_side.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <random>

namespace {

using namespace parley::bench;
using namespace parley::bench::epoll;

struct CommandLine {
    DriverOptions driver;
    std::string peer;
    std::string phases = "max,rate";
    std::string channel;
    std::string identity_prefix = "fan";
    std::string account_sid;
    std::string api_key;
    std::string api_secret;
    bool json = false;
};

void addMethodOptions(CLI::App& app, CommandLine& args) {
    DriverOptions& d = args.driver;
    app.add_option("--subscribers,-s", d.subscribers, "Subscribers (Parley: members)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{60000}))
        ->capture_default_str();
    app.add_option("--publishers,-p", d.publishers, "Publishers (Parley: the first members)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{64}))
        ->capture_default_str();
    app.add_option("--window", d.window, "Max throughput: publishes in flight per publisher")
        ->check(CLI::Range(std::size_t{1}, std::size_t{4096}))
        ->capture_default_str();
    app.add_option("--body-bytes", d.body_bytes, "Bytes of each message body")
        ->check(CLI::Range(std::size_t{48}, std::size_t{16384}))
        ->capture_default_str();
    app.add_option("--warmup", d.warmup_seconds, "Seconds before each measured window")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    app.add_option("--seconds", d.seconds, "Length of each measured window")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    app.add_option("--rate", d.rate_deliveries, "Fixed rate: deliveries per second in total")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--phases", args.phases, "max, rate or max,rate")->capture_default_str();
    app.add_flag("--idle", d.idle, "Only connect, then measure the server's RSS per connection");
    app.add_option("--max-lag", d.max_lag, "Messages the slowest subscriber may be behind")
        ->check(CLI::Range(std::size_t{16}, std::size_t{1'000'000}))
        ->capture_default_str();
    app.add_option("--connect-window", d.connect_window, "Connections being set up at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
        ->capture_default_str();
    app.add_option("--setup-timeout", d.setup_timeout_seconds, "Seconds to get ready or drain")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
}

void addPeerOptions(CLI::App& app, CommandLine& args) {
    app.add_option("--peer", args.peer, "redis or parley")
        ->required()
        ->check(CLI::IsMember({"redis", "parley"}));
    app.add_option("--port", args.driver.port, "The server's port on 127.0.0.1")->required();
    app.add_option("--server-pid", args.driver.server_pid, "The server's pid (CPU time, RSS)");
    app.add_option("--channel", args.channel, "Channel name (default: a fresh random one)");
    app.add_option("--identity-prefix", args.identity_prefix, "Parley: member identities' prefix")
        ->capture_default_str();
    app.add_option("--account-sid", args.account_sid, "Parley: the server's account SID");
    app.add_option("--api-key", args.api_key, "Parley: the server's API key SID");
    app.add_option("--api-secret", args.api_secret, "Parley: that key's secret");
    app.add_flag("--json", args.json, "Print the report as one JSON object");
}

std::string randomSuffix() {
    std::random_device device;
    return std::to_string(std::uniform_int_distribution<std::uint64_t>{}(device));
}

/// Creates the channel with every member in it (Asio, before the measure) and returns its SID.
std::expected<std::string, std::string> setUpChannel(const CommandLine& args,
                                                     const parley::token::ApiKey& key,
                                                     const std::vector<std::string>& members) {
    boost::asio::io_context io;
    const Endpoint server{.host = boost::asio::ip::make_address_v4("127.0.0.1"),
                          .port = args.driver.port};
    ChannelSetup setup{io, server, mintToken(key, args.identity_prefix + "-admin"), args.channel,
                       members};
    auto outcome = setup.result();
    boost::asio::post(io, [&setup] { setup.start(256); });
    while (outcome.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
        if (io.run_one_for(std::chrono::seconds{5}) == 0 && io.stopped()) {
            return std::unexpected("the set-up connection ended");
        }
    }
    boost::asio::post(io, [&setup] { setup.close(); });
    io.run_for(std::chrono::milliseconds{100});
    return outcome.get();
}

int runParley(const CommandLine& args, EpollLoop& loop) {
    const parley::token::ApiKey key{
        .sid = args.api_key, .account_sid = args.account_sid, .secret = args.api_secret};
    std::vector<std::string> identities;
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < args.driver.subscribers; ++i) {
        identities.push_back(args.identity_prefix + "-" + std::to_string(i));
        tokens.push_back(mintToken(key, identities.back()));
    }
    std::string channel;
    if (!args.driver.idle) {
        auto sid = setUpChannel(args, key, identities);
        if (!sid) {
            std::cerr << "epoll_fanout: channel set-up: " << sid.error() << "\n";
            return 1;
        }
        channel = *sid;
    }
    ParleySide side{loop, "127.0.0.1:" + std::to_string(args.driver.port), std::move(tokens),
                    channel};
    FanoutDriver driver{args.driver, loop, side, false};
    side.setEvents(driver);
    loop.setHandler(side);
    const RunReport report = driver.run();
    args.json ? printJson(report, std::cout) : printText(report, std::cout);
    return report.ok() ? 0 : 3;
}

int runRedis(const CommandLine& args, EpollLoop& loop) {
    RedisSide side{loop, args.channel};
    FanoutDriver driver{args.driver, loop, side, true};
    side.setEvents(driver);
    loop.setHandler(side);
    const RunReport report = driver.run();
    args.json ? printJson(report, std::cout) : printText(report, std::cout);
    return report.ok() ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Fan-out load client for Redis pub/sub or parley serve, one epoll thread"};
    CommandLine args;
    addMethodOptions(app, args);
    addPeerOptions(app, args);
    CLI11_PARSE(app, argc, argv);
    args.driver.run_max = args.phases.find("max") != std::string::npos;
    args.driver.run_rate = args.phases.find("rate") != std::string::npos;
    if (args.channel.empty()) {
        args.channel = "fanout-" + randomSuffix();
    }
    if (args.peer == "parley" && (args.api_key.empty() || args.api_secret.empty())) {
        std::cerr << "epoll_fanout: --peer parley needs --account-sid, --api-key, --api-secret\n";
        return 2;
    }
    if (auto raised = parley::load::raiseDescriptorLimit(args.driver.subscribers + 64); !raised) {
        std::cerr << "epoll_fanout: " << raised.error() << "\n";
        return 1;
    }
    EpollLoop loop;
    return args.peer == "redis" ? runRedis(args, loop) : runParley(args, loop);
}
