#include "fairness_run.hpp"

#include "bench_setup.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <utility>

namespace parley::bench {

namespace asio = boost::asio;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

FairnessRun::FairnessRun(FairnessOptions options, Endpoint server, token::ApiKey key,
                         load::ProcessProbe server_probe, std::function<bool()> server_alive)
    : options_(options), server_(std::move(server)), key_(std::move(key)), probe_(server_probe),
      server_alive_(std::move(server_alive)) {
    heavy_ =
        std::make_unique<HeavyReader>(heavy_io_, server_, mintToken(key_, "heavy"), options_.heavy);
    victim_ = std::make_unique<PingVictim>(victim_io_, server_, mintToken(key_, "victim"));
}

FairnessRun::~FairnessRun() {
    stopIo();
}

void FairnessRun::run(FairnessReport& report) {
    startIo();
    if (auto ran = runPhases(report); !ran) {
        report.first_error = ran.error();
    }
    stopIo();
}

std::expected<void, std::string> FairnessRun::runPhases(FairnessReport& report) {
    if (auto filled = fill(report); !filled) {
        return filled;
    }
    std::this_thread::sleep_for(options_.settle);
    auto quiet = pingPhase();
    if (!quiet) {
        return std::unexpected(quiet.error());
    }
    report.quiet = *quiet;
    return loadedPhase(report);
}

void FairnessRun::startIo() {
    heavy_thread_ = std::thread{[this] {
        // Linux keeps a nice value per thread. Raising one's own nice is always allowed.
        if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), options_.heavy_nice) != 0) {
            std::perror("setpriority (--heavy-nice)");
        }
        auto work = asio::make_work_guard(heavy_io_);
        heavy_io_.run();
    }};
    victim_thread_ = std::thread{[this] {
        auto work = asio::make_work_guard(victim_io_);
        victim_io_.run();
    }};
}

std::expected<void, std::string> FairnessRun::fill(FairnessReport& report) {
    const auto started = steady_clock::now();
    asio::post(heavy_io_, [this] { heavy_->start(); });
    asio::post(victim_io_, [this] { victim_->start(); });
    auto filled = waitUntil([this] { return heavy_->filled() && victim_->ready(); }, 120s,
                            "filling the channel");
    report.fill_time = steady_clock::now() - started;
    return filled;
}

std::expected<FairnessPhase, std::string> FairnessRun::pingPhase() {
    const auto count = static_cast<std::size_t>(
        std::llround(options_.ping_rate * static_cast<double>(options_.phase.count())));
    const auto interval = std::chrono::nanoseconds{std::llround(1e9 / options_.ping_rate)};
    FairnessPhase phase;
    const CpuSample start = sampleCpu(probe_);
    const std::uint64_t pages = heavy_->pages();
    const std::uint64_t bytes = heavy_->pageBytes();
    const std::uint64_t reads = heavy_->reads();
    victim_->startPhase(interval, count);
    // The last ping goes out one interval before the phase ends; its reply may take a while.
    if (auto done = waitUntil([this] { return victim_->phaseDone(); }, options_.phase + 30s,
                              "the victim's pings");
        !done) {
        return std::unexpected(done.error() + " (" + std::to_string(victim_->answered()) + " of " +
                               std::to_string(count) + " answered)");
    }
    phase.cpu = cpuBetween(start, sampleCpu(probe_));
    phase.pages = heavy_->pages() - pages;
    phase.page_bytes = heavy_->pageBytes() - bytes;
    phase.reads = heavy_->reads() - reads;
    // The samples were written on the victim's thread before phaseDone() turned true.
    auto samples = victim_->takeSamples();
    phase.rtt = summarizeMicros(samples);
    return phase;
}

std::expected<void, std::string> FairnessRun::loadedPhase(FairnessReport& report) {
    asio::post(heavy_io_, [this] { heavy_->startReading(); });
    // Measure only once the reader is in its loop: its first page has come back.
    if (auto first =
            waitUntil([this] { return heavy_->pages() > 0; }, 60s, "the heavy reader's first page");
        !first) {
        return first;
    }
    auto loaded = pingPhase();
    heavy_->stopReading();
    if (!loaded) {
        return std::unexpected(loaded.error());
    }
    report.loaded = *loaded;
    return waitUntil([this] { return !heavy_->requestInFlight(); }, 60s,
                     "the heavy reader's last page");
}

std::expected<void, std::string> FairnessRun::waitUntil(const std::function<bool()>& done,
                                                        std::chrono::seconds timeout,
                                                        const char* what) {
    std::string failed;
    const bool finished = waitFor(
        [&] {
            failed = failure();
            return !failed.empty() || done();
        },
        timeout);
    if (!failed.empty()) {
        return std::unexpected(failed);
    }
    if (!finished) {
        return std::unexpected(std::string{what} + " took over " + std::to_string(timeout.count()) +
                               " s");
    }
    return {};
}

std::string FairnessRun::failure() const {
    if (heavy_->failed()) {
        return heavy_->error();
    }
    if (victim_->failed()) {
        return victim_->error();
    }
    return server_alive_() ? std::string{} : std::string{"the server died"};
}

void FairnessRun::stopIo() {
    if (!heavy_thread_.joinable()) {
        return;
    }
    // Handlers still pending are destroyed with the io_contexts, never run; the two users'
    // sockets close when they are destroyed.
    heavy_io_.stop();
    victim_io_.stop();
    heavy_thread_.join();
    victim_thread_.join();
}

} // namespace parley::bench
