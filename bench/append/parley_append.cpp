// parley_append: acknowledged message.send/s on one channel with no fan-out, through the chat
// service and the SQLite store of `parley serve`, in one process without sockets. Each of
// --senders keeps one send in flight, as a connection does (a session hands over one op at a
// time), and sends its next when its reply comes; nobody is subscribed to the channel, so the
// figure is the send path alone: checks, queueing, commit, reply. bench/README.md, "Group commit".

#include "protocol/frame.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/chat_service.hpp"
#include "server/metrics.hpp"
#include "server/store/sqlite_store.hpp"
#include "server/store_workers.hpp"

#include <parley/token/clock.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace {

using namespace parley::server;
using Clock = std::chrono::steady_clock;

struct Options {
    unsigned senders = 64;
    unsigned store_threads = 2; // parley serve's default
    std::size_t body_bytes = 100;
    int seconds = 5;
    int warmup = 1;
    bool full_sync = false;
};

/// Counts in the metrics page: "name value".
double sample(const std::string& page, const std::string& name) {
    const auto at = page.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::stod(page.substr(at + name.size() + 2));
}

class Run {
public:
    Run(const Options& options, Store& store, const std::string& channel)
        : options_(options), workers_(options.store_threads),
          chat_(store, broker_, workers_, metrics_, clock_) {
        nlohmann::json frame = {{"id", 1},
                                {"op", "message.send"},
                                {"channel", channel},
                                {"body", std::string(options.body_bytes, 'x')}};
        auto request = parley::protocol::parseRequest(frame.dump());
        if (!request) {
            throw std::runtime_error("the send frame did not parse");
        }
        request_ = std::move(*request);
    }

    void start() {
        for (unsigned i = 0; i < options_.senders; ++i) {
            sendNext("sender" + std::to_string(i));
        }
    }

    std::uint64_t acknowledged() const { return acknowledged_.load(); }
    std::uint64_t failed() const { return failed_.load(); }
    std::string metrics() const { return metrics_.render(); }

    /// Stops sending and waits for the sends in flight to be answered.
    void stop() {
        stopping_ = true;
        std::unique_lock lock{mutex_};
        idle_.wait(lock, [this] { return in_flight_ == 0; });
        lock.unlock();
        workers_.stop();
        broker_.shutdown();
    }

private:
    void sendNext(std::string identity) {
        {
            const std::lock_guard lock{mutex_};
            ++in_flight_;
        }
        chat_.handle(identity, request_, [this, identity](OpResult result) {
            (result ? acknowledged_ : failed_).fetch_add(1);
            if (!stopping_ && result) {
                sendNext(identity);
            }
            const std::lock_guard lock{mutex_};
            if (--in_flight_ == 0) {
                idle_.notify_all();
            }
        });
    }

    const Options& options_;
    MemoryBroker broker_;
    Metrics metrics_;
    parley::token::SystemClock clock_;
    StoreWorkers workers_;
    ChatService chat_;
    parley::protocol::Request request_;
    std::atomic<std::uint64_t> acknowledged_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable idle_;
    unsigned in_flight_ = 0;
};

int measure(const Options& options, const std::filesystem::path& directory) {
    auto store = SqliteStore::open(
        directory / "parley.db",
        {.synchronous = options.full_sync ? SqliteSynchronous::kFull : SqliteSynchronous::kNormal});
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().c_str());
        return 1;
    }
    const auto channel = (*store)->createChannel(
        {.sid = "CH" + std::string(32, 'a'), .unique_name = "busy", .created_by = "owner"});
    if (!channel) {
        std::fprintf(stderr, "cannot create the channel\n");
        return 1;
    }
    for (unsigned i = 0; i < options.senders; ++i) {
        (void)(*store)->addMember(channel->sid, "sender" + std::to_string(i), {});
    }
    Run run{options, **store, channel->sid};
    run.start();
    std::this_thread::sleep_for(std::chrono::seconds{options.warmup});
    const std::uint64_t acked_before = run.acknowledged();
    const double commits_before = sample(run.metrics(), "parley_store_commit_seconds_count");
    const auto started = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds{options.seconds});
    const std::uint64_t acked = run.acknowledged() - acked_before;
    const double commits =
        sample(run.metrics(), "parley_store_commit_seconds_count") - commits_before;
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    run.stop();
    std::printf("senders %u, store threads %u, body %zu bytes, synchronous %s\n", options.senders,
                options.store_threads, options.body_bytes, options.full_sync ? "FULL" : "NORMAL");
    std::printf("acknowledged sends/s %.0f (%llu in %.2f s), commits/s %.0f, messages per commit "
                "%.1f, failed %llu\n",
                static_cast<double>(acked) / elapsed, static_cast<unsigned long long>(acked),
                elapsed, commits / elapsed, commits > 0 ? static_cast<double>(acked) / commits : 0,
                static_cast<unsigned long long>(run.failed()));
    return run.failed() == 0 ? 0 : 3;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"parley_append: acknowledged message.send/s on one channel, no fan-out, "
                 "through the chat service and SQLite store in-process"};
    Options options;
    app.add_option("--senders", options.senders, "Sends in flight, one per simulated connection")
        ->check(CLI::Range(1U, 100000U));
    app.add_option("--store-threads", options.store_threads, "Store workers (serve's default 2)")
        ->check(CLI::Range(1U, 64U));
    app.add_option("--body-bytes", options.body_bytes, "Bytes of each body")
        ->check(CLI::Range(std::size_t{1}, std::size_t{32768}));
    app.add_option("--seconds", options.seconds, "Measured window")->check(CLI::Range(1, 600));
    app.add_option("--warmup", options.warmup, "Seconds before the window")
        ->check(CLI::Range(0, 600));
    app.add_flag("--full-sync", options.full_sync, "synchronous=FULL (an fsync per commit)");
    CLI11_PARSE(app, argc, argv);
    std::string pattern = (std::filesystem::temp_directory_path() / "parley-append-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    const int status = measure(options, pattern);
    std::filesystem::remove_all(pattern);
    return status;
}
