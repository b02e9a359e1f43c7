#include "load_run.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/clock.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace parley::load {

namespace asio = boost::asio;
using std::chrono::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

std::atomic<bool> g_interrupted{false};

namespace {

// 127.0.0.2 .. 127.0.0.250: 249 source addresses, so no single (source, destination) pair needs
// more than a few dozen of its ~28,000 ephemeral ports even at 10,000 connections.
constexpr std::uint32_t kFirstSource = 0x7f000002;
constexpr std::uint32_t kSourceCount = 249;

double secondsBetween(steady_clock::time_point from, steady_clock::time_point to) {
    return duration<double>(to - from).count();
}

double unixMillis(system_clock::time_point time) {
    return duration<double, std::milli>(time.time_since_epoch()).count();
}

std::string mintOrThrow(const token::ApiKey& key, const std::string& identity, seconds ttl,
                        const token::Clock& clock) {
    auto minted = token::AccessTokenBuilder{key}
                      .identity(identity)
                      .ttl(ttl)
                      .minimumTtl(seconds{1})
                      .chat({})
                      .mint(clock);
    if (!minted) {
        throw std::runtime_error("minting a load token failed: " + minted.error().message);
    }
    return *minted;
}

} // namespace

LoadRun::LoadRun(LoadRunOptions options, ServerAddress server, std::optional<ProcessProbe> probe,
                 std::function<bool()> server_alive)
    : options_(std::move(options)), server_(std::move(server)), probe_(probe),
      server_alive_(std::move(server_alive)) {
    options_.client_threads = std::max(1U, options_.client_threads);
    if (options_.expiry_batch == 0 || options_.expiry_batch > options_.connections) {
        options_.expiry_batch = std::max<std::size_t>(1, options_.connections);
    }
    const unsigned sampler = options_.sample_every != 0 ? 1 : 0;
    for (unsigned i = 0; i < options_.client_threads + sampler; ++i) {
        contexts_.push_back(std::make_unique<asio::io_context>(1));
    }
    launchers_.resize(contexts_.size());
}

LoadRun::~LoadRun() {
    stopClients();
}

void LoadRun::run(LoadReport& report) {
    started_ = steady_clock::now();
    deadline_ = started_ + options_.max_seconds;
    const CpuMark run_start = mark();
    report.load_before = loadAverage();
    report.connections = options_.connections;
    report.client_threads = options_.client_threads;
    report.lifecycle_nice = options_.lifecycle_nice;
    report.sample_every = options_.sample_every;
    report.hold_reads_ms = options_.hold_reads.count();
    report.window_s = options_.about_to_expire_window.count();
    report.init_ttl_s = options_.init_ttl.count();
    report.renew_ttl_s = options_.renew_ttl.count();
    report.expiry_batch = options_.expiry_batch;
    report.in_flight = options_.in_flight;
    report.max_seconds = options_.max_seconds.count();

    mintInitTokens(report);
    connectPhase(report);
    if (counters_.init_ok.load() > 0) {
        renewPhase(report);
        expiryPhase(report);
    }
    if (probe_) {
        report.rss_after_expiry_kib = probe_->residentKib();
        report.rss_peak_kib = probe_->peakResidentKib();
    }
    report.deadline_hit = steady_clock::now() >= deadline_;
    report.interrupted = g_interrupted.load();
    // Before the io threads exit: their run-queue waits leave /proc with them.
    report.total_cpu = split(run_start, mark());
    stopClients();
    summarize(report);
    report.load_after = loadAverage();
    report.total_seconds = report.total_cpu.wall_s;
}

void LoadRun::mintInitTokens(LoadReport& report) {
    const auto start = steady_clock::now();
    init_tokens_.reserve(options_.connections);
    for (std::size_t i = 0; i < options_.connections; ++i) {
        init_tokens_.push_back(mintOrThrow(options_.key,
                                           options_.identity_prefix + std::to_string(i),
                                           options_.init_ttl, token::SystemClock::instance()));
    }
    report.mint_seconds += secondsBetween(start, steady_clock::now());
}

void LoadRun::connectPhase(LoadReport& report) {
    // Measures the server's cost to accept a TCP connection, upgrade it to a WebSocket, verify the
    // init token and register the identity: connections per second with `in_flight` outstanding,
    // and the server memory each open, authenticated connection holds.
    connections_.reserve(options_.connections);
    for (std::size_t i = 0; i < options_.connections; ++i) {
        const std::size_t thread_index =
            onSampler(i) ? contexts_.size() - 1 : i % options_.client_threads;
        const asio::ip::address_v4 source{kFirstSource +
                                          static_cast<std::uint32_t>(i % kSourceCount)};
        connections_.push_back(std::make_unique<LoadConnection>(
            *contexts_[thread_index], server_, source, std::move(init_tokens_[i]), counters_,
            [this, thread_index] { launchNext(thread_index); }));
        launchers_[thread_index].pending.push_back(i);
    }
    init_tokens_.clear();
    if (probe_) {
        report.rss_idle_kib = probe_->residentKib();
    }
    for (auto& context : contexts_) {
        const bool sampler = options_.sample_every != 0 && context == contexts_.back();
        threads_.emplace_back([this, &io = *context, sampler] { runClientThread(io, sampler); });
    }
    const CpuMark start = mark();
    for (std::size_t k = 0; k < contexts_.size(); ++k) {
        // Connects in flight in proportion to the thread's share of the connections.
        const std::size_t per_thread = std::max<std::size_t>(
            1, options_.in_flight * launchers_[k].pending.size() / options_.connections);
        asio::post(*contexts_[k], [this, k, per_thread] {
            for (std::size_t j = 0; j < per_thread; ++j) {
                launchNext(k);
            }
        });
    }
    waitUntil(
        [this] {
            return counters_.init_ok.load() + counters_.init_failed.load() >= options_.connections;
        },
        deadline_);
    report.connect_cpu = split(start, mark());
    if (probe_) {
        report.rss_connected_kib = probe_->residentKib();
    }
    report.client_rss_kib = ProcessProbe{::getpid()}.residentKib();
}

bool LoadRun::onSampler(std::size_t connection) const {
    return options_.sample_every != 0 && connection % options_.sample_every == 0;
}

bool LoadRun::sampled(std::size_t connection) const {
    // With no sampler thread every connection counts, read by the generator as it gets round to it.
    return options_.sample_every == 0 || onSampler(connection);
}

void LoadRun::launchNext(std::size_t thread_index) {
    Launcher& launcher = launchers_[thread_index];
    if (launcher.next < launcher.pending.size() && !g_interrupted.load()) {
        connections_[launcher.pending[launcher.next++]]->start();
    }
}

void LoadRun::renewPhase(LoadReport& report) {
    // Measures the server's cost to verify a fresh token on a live connection and re-arm its two
    // lifecycle timers (update_token), for every connection at once.
    //
    // All renewal tokens are minted against one clock pinned to the current whole second, so a
    // batch shares `iat` and `exp` exactly; reading the live clock per token would split a batch
    // whenever minting crossed a second boundary.
    const auto mint_start = steady_clock::now();
    const token::ManualClock issue_clock{
        options_.renew_at ? token::TimePoint{seconds{*options_.renew_at}}
                          : std::chrono::floor<seconds>(token::SystemClock::instance().now())};
    const auto issued_at = std::chrono::floor<seconds>(issue_clock.now());
    first_exp_ = (issued_at + options_.renew_ttl).time_since_epoch().count();
    std::vector<std::string> tokens;
    tokens.reserve(options_.connections);
    for (std::size_t i = 0; i < options_.connections; ++i) {
        const auto batch = static_cast<seconds::rep>(i / options_.expiry_batch);
        tokens.push_back(mintOrThrow(options_.key, options_.identity_prefix + std::to_string(i),
                                     options_.renew_ttl + seconds{batch}, issue_clock));
    }
    report.mint_seconds += secondsBetween(mint_start, steady_clock::now());
    if (options_.renew_at) {
        const auto at = system_clock::time_point{seconds{*options_.renew_at}};
        report.renew_at_late_s = std::chrono::duration<double>(system_clock::now() - at).count();
        sleepUntil(at);
    }

    const std::size_t expected = counters_.init_ok.load();
    const CpuMark start = mark();
    auto shared_tokens = std::make_shared<std::vector<std::string>>(std::move(tokens));
    // Each io thread renews its own connections: a connection is only ever touched on its thread.
    for (std::size_t k = 0; k < contexts_.size(); ++k) {
        asio::post(*contexts_[k], [this, k, shared_tokens] {
            for (const std::size_t i : launchers_[k].pending) {
                connections_[i]->sendUpdateToken((*shared_tokens)[i]);
            }
        });
    }
    const auto first_warn =
        system_clock::time_point{seconds{first_exp_}} - options_.about_to_expire_window;
    const bool finished = waitUntil(
        [this, expected] {
            return counters_.renew_ok.load() + counters_.renew_failed.load() >= expected;
        },
        deadline_);
    report.renew_cpu = split(start, mark());
    report.renew_overran_window = !finished || system_clock::now() >= first_warn;
    if (probe_) {
        report.rss_renewed_kib = probe_->residentKib();
    }
}

void LoadRun::expiryPhase(LoadReport& report) {
    // Measures how late the server's lifecycle timers fire and deliver when a whole batch of
    // connections is due in the same millisecond: token_about_to_expire at exp - W, then
    // token_expired and the 4410 close at exp.
    const std::int64_t last_exp = first_exp_ + batches() - 1;
    report.first_exp = first_exp_;
    report.last_exp = last_exp;
    const auto exp_wall = system_clock::time_point{seconds{first_exp_}};
    const auto first_warn = exp_wall - options_.about_to_expire_window;
    const auto lead = milliseconds{100};
    const std::size_t expected = counters_.renew_ok.load();
    const auto end_wall = system_clock::time_point{seconds{last_exp}} + options_.grace;
    if (steady_clock::now() + (end_wall - system_clock::now()) > deadline_) {
        report.notes.emplace_back("--max-seconds ends the run before the last exp + grace; events "
                                  "still missing then are reported as lost");
    }

    stepAsideForBursts();
    if (nice_failed_.load()) {
        report.notes.emplace_back(
            "setpriority refused --lifecycle-nice for some threads; they kept "
            "their nice value");
    }
    sleepUntil(first_warn - lead);
    const CpuMark about_start = mark();
    // The warning burst ends when every warning is in, or just before the first exp at the latest.
    const auto wall_to_steady = [](system_clock::time_point wall) {
        return steady_clock::now() + (wall - system_clock::now());
    };
    waitUntil([this, expected] { return counters_.about_to_expire.load() >= expected; },
              std::min(deadline_, wall_to_steady(exp_wall - lead)));
    report.about_to_expire.cpu = split(about_start, mark());

    sleepUntil(exp_wall - lead);
    const CpuMark expiry_start = mark();
    const auto give_up =
        wall_to_steady(system_clock::time_point{seconds{last_exp}} + options_.grace);
    waitUntil(
        [this, expected] {
            return counters_.expired.load() >= expected && ended() >= options_.connections;
        },
        std::min(deadline_, give_up));
    report.expired.cpu = split(expiry_start, mark());
}

void LoadRun::summarize(LoadReport& report) const {
    // Only called once the io threads are joined: every Record is final.
    std::vector<double> init_ms;
    std::vector<double> renew_ms;
    auto connect_first = steady_clock::time_point::max();
    auto renew_first = steady_clock::time_point::max();
    steady_clock::time_point connect_end{};
    steady_clock::time_point renew_end{};
    EventSamples events;
    for (std::size_t i = 0; i < connections_.size(); ++i) {
        const ConnectionRecord& record = connections_[i]->record();
        if (report.first_error.empty() && !record.error.empty()) {
            report.first_error = "connection " + std::to_string(i) + ": " + record.error;
        }
        if (record.connect_started != steady_clock::time_point{}) {
            connect_first = std::min(connect_first, record.connect_started);
        }
        if (record.init_ok) {
            init_ms.push_back(
                duration<double, std::milli>(record.init_replied - record.connect_started).count());
            connect_end = std::max(connect_end, record.init_replied);
        }
        if (record.renew_sent != steady_clock::time_point{}) {
            renew_first = std::min(renew_first, record.renew_sent);
        }
        report.about_before_renew += static_cast<std::size_t>(record.about_before_renew);
        if (record.renew_ok) {
            renew_ms.push_back(
                duration<double, std::milli>(record.renew_replied - record.renew_sent).count());
            renew_end = std::max(renew_end, record.renew_replied);
            const auto batch = static_cast<std::int64_t>(i / options_.expiry_batch);
            report.renew_wrong_expires_at += record.renew_expires_at != first_exp_ + batch ? 1 : 0;
            addEventSamples(record, sampled(i), report, events);
        }
    }
    report.init_ok = counters_.init_ok.load();
    report.init_failed = counters_.init_failed.load();
    report.connect_seconds = init_ms.empty() ? 0 : secondsBetween(connect_first, connect_end);
    report.init_latency = load::summarize(std::move(init_ms));
    report.renew_ok = counters_.renew_ok.load();
    report.renew_failed = counters_.renew_failed.load();
    report.renew_seconds = renew_ms.empty() ? 0 : secondsBetween(renew_first, renew_end);
    report.renew_latency = load::summarize(std::move(renew_ms));
    report.about_to_expire.lateness = load::summarize(std::move(events.about_sampled_ms));
    report.about_to_expire.stamped_lateness = load::summarize(std::move(events.about_ms));
    report.about_to_expire.read_lateness = load::summarize(std::move(events.about_read_ms));
    report.about_to_expire.server_lateness = load::summarize(std::move(events.about_server_ms));
    report.expired.lateness = load::summarize(std::move(events.expired_sampled_ms));
    report.expired.stamped_lateness = load::summarize(std::move(events.expired_ms));
    report.expired.read_lateness = load::summarize(std::move(events.expired_read_ms));
    report.expired.server_lateness = load::summarize(std::move(events.expired_server_ms));
    report.closes_4410 = counters_.closed_token_expired.load();
    report.ended_other = counters_.ended_other.load();
    report.unexpected_frames = counters_.unexpected_frames.load();
}

void LoadRun::addEventSamples(const ConnectionRecord& record, bool sampled, LoadReport& report,
                              EventSamples& samples) const {
    // Due times come from the renewed token's own exp, as the server computes them.
    const double exp_ms = static_cast<double>(record.renew_expires_at) * 1000.0;
    const double warn_ms =
        exp_ms - static_cast<double>(options_.about_to_expire_window.count()) * 1000.0;
    ++report.about_to_expire.expected;
    ++report.expired.expected;
    if (record.about_count > 0) {
        ++report.about_to_expire.received;
        report.about_to_expire.duplicates += record.about_count > 1 ? 1 : 0;
        report.about_to_expire.wrong_expires_at +=
            record.about_expires_at != record.renew_expires_at ? 1 : 0;
        samples.about_ms.push_back(unixMillis(record.about_arrival) - warn_ms);
        if (sampled) {
            samples.about_sampled_ms.push_back(samples.about_ms.back());
        }
        samples.about_read_ms.push_back(unixMillis(record.about_read) - warn_ms);
        samples.about_server_ms.push_back(static_cast<double>(record.about_server_ms) - warn_ms);
    }
    if (record.expired_count > 0) {
        ++report.expired.received;
        report.expired.duplicates += record.expired_count > 1 ? 1 : 0;
        samples.expired_ms.push_back(unixMillis(record.expired_arrival) - exp_ms);
        if (sampled) {
            samples.expired_sampled_ms.push_back(samples.expired_ms.back());
        }
        samples.expired_read_ms.push_back(unixMillis(record.expired_read) - exp_ms);
        samples.expired_server_ms.push_back(static_cast<double>(record.expired_server_ms) - exp_ms);
    }
}

void LoadRun::runClientThread(asio::io_context& io, bool sampler) {
    auto guard = asio::make_work_guard(io);
    while (!io.stopped()) {
        if (!sampler && ticking_.load(std::memory_order_acquire)) {
            // Never blocked in epoll_wait, so no send of the server's has to wake this thread: on
            // loopback that wakeup runs on the server's core, inside its send, where a client on
            // a machine of its own would cost it nothing. Nor does it read during a burst (see
            // LoadRunOptions::hold_reads). The sampler does neither: it reads each frame as it
            // comes.
            if (readsHeld(system_clock::now()) || io.poll() == 0) {
                std::this_thread::sleep_for(kTick);
            }
        } else {
            io.run_one_for(milliseconds{10});
        }
    }
}

std::int64_t LoadRun::batches() const {
    return static_cast<std::int64_t>((options_.connections + options_.expiry_batch - 1) /
                                     options_.expiry_batch);
}

bool LoadRun::readsHeld(system_clock::time_point now) const {
    if (options_.hold_reads.count() <= 0) {
        return false;
    }
    const auto first_expiry = system_clock::time_point{seconds{first_exp_}};
    for (const system_clock::time_point first :
         {first_expiry - options_.about_to_expire_window, first_expiry}) {
        if (now < first) {
            continue;
        }
        // Batch k falls due at first + k seconds.
        const auto since = now - first;
        const auto batch = std::chrono::duration_cast<seconds>(since);
        if (batch.count() < batches() && since - batch < options_.hold_reads) {
            return true;
        }
    }
    return false;
}

void LoadRun::stepAsideForBursts() {
    // Linux keeps a nice value per thread, so each io thread sets its own.
    const auto lower = [this, nice = options_.lifecycle_nice] {
        if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) != 0) {
            nice_failed_.store(true);
        }
    };
    // Shared: a thread that is slow to run its task must not touch this frame after it returned.
    auto lowered = std::make_shared<std::atomic<std::size_t>>(0);
    const std::size_t lowering = options_.client_threads;
    for (std::size_t k = 0; k < lowering; ++k) {
        asio::post(*contexts_[k], [lower, lowered] {
            lower();
            lowered->fetch_add(1);
        });
    }
    lower();
    ticking_.store(true);
    waitUntil([&lowered, lowering] { return lowered->load() >= lowering; },
              std::min(deadline_, steady_clock::now() + seconds{5}));
}

void LoadRun::stopClients() {
    if (threads_.empty()) {
        return;
    }
    // Counts taken before the sockets are aborted, so the report shows how the server ended them.
    const std::size_t closes_4410 = counters_.closed_token_expired.load();
    const std::size_t ended_other = counters_.ended_other.load();
    for (std::size_t k = 0; k < contexts_.size(); ++k) {
        asio::post(*contexts_[k], [this, k] {
            for (const std::size_t i : launchers_[k].pending) {
                connections_[i]->abort();
            }
        });
    }
    // Let the aborted operations complete, then stop whatever is left.
    const auto settle = steady_clock::now() + milliseconds{500};
    while (steady_clock::now() < settle) {
        std::this_thread::sleep_for(milliseconds{20});
    }
    for (auto& context : contexts_) {
        context->stop();
    }
    for (auto& thread : threads_) {
        thread.join();
    }
    threads_.clear();
    counters_.closed_token_expired.store(closes_4410);
    counters_.ended_other.store(ended_other);
}

LoadRun::CpuMark LoadRun::mark() const {
    const auto seconds_of = [](std::optional<duration<double>> value) -> std::optional<double> {
        return value ? std::optional<double>{value->count()} : std::nullopt;
    };
    CpuMark point{.wall = steady_clock::now(),
                  .client_s = selfCpuTime().count(),
                  .client_wait_s = seconds_of(ProcessProbe{::getpid()}.runQueueWait())};
    if (probe_) {
        point.server_s = seconds_of(probe_->cpuTime());
        point.server_wait_s = seconds_of(probe_->runQueueWait());
    }
    return point;
}

CpuSplit LoadRun::split(const CpuMark& from, const CpuMark& to) const {
    const auto difference = [](std::optional<double> before,
                               std::optional<double> after) -> std::optional<double> {
        return before && after ? std::optional<double>{*after - *before} : std::nullopt;
    };
    return CpuSplit{.wall_s = secondsBetween(from.wall, to.wall),
                    .client_cpu_s = to.client_s - from.client_s,
                    .server_cpu_s = difference(from.server_s, to.server_s),
                    .client_wait_s = difference(from.client_wait_s, to.client_wait_s),
                    .server_wait_s = difference(from.server_wait_s, to.server_wait_s)};
}

bool LoadRun::waitUntil(const std::function<bool()>& done, steady_clock::time_point until) const {
    // 1 ms polls: phase ends are read from the per-connection records, not from this loop, so the
    // poll period only bounds how long a finished phase waits to be noticed.
    while (!done()) {
        if (steady_clock::now() >= until || g_interrupted.load() || !server_alive_()) {
            return false;
        }
        std::this_thread::sleep_for(milliseconds{1});
    }
    return true;
}

void LoadRun::sleepUntil(system_clock::time_point wall) const {
    while (system_clock::now() < wall && steady_clock::now() < deadline_ && !g_interrupted.load() &&
           server_alive_()) {
        std::this_thread::sleep_for(
            std::min<system_clock::duration>(milliseconds{50}, wall - system_clock::now()));
    }
}

std::size_t LoadRun::ended() const {
    return counters_.closed_token_expired.load() + counters_.ended_other.load();
}

} // namespace parley::load
