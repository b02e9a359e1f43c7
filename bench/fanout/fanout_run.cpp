#include "fanout_run.hpp"

#include "bench_setup.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <limits>
#include <utility>

namespace parley::bench {

namespace asio = boost::asio;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

/// How often the lag guard looks; each look reads every member's counter.
constexpr auto kTick = 10ms;
/// Ticks between two samples of the receive backlog (an ioctl per member).
constexpr std::size_t kBacklogEvery = 20;
/// Longest wait for the senders' first windows to be acknowledged before measuring anyway.
constexpr auto kMaxFirstTurn = 120s;
/// Longest wait, once the senders stop, for every member to have every acknowledged message.
constexpr auto kMaxDrain = 120s;
/// How often a drain that takes long says where it stands.
constexpr auto kDrainStep = 5s;

std::string memberIdentity(std::size_t index) {
    std::array<char, 32> name{};
    std::snprintf(name.data(), name.size(), "member-%05zu", index);
    return name.data();
}

} // namespace

FanoutRun::FanoutRun(FanoutOptions options, std::vector<Endpoint> servers, token::ApiKey key,
                     std::vector<load::ProcessProbe> server_probes,
                     std::function<bool()> server_alive)
    : options_(options), servers_(std::move(servers)), key_(std::move(key)),
      probes_(std::move(server_probes)), server_alive_(std::move(server_alive)) {
    shared_.body_bytes = options_.body_bytes;
}

FanoutRun::~FanoutRun() {
    stopIo();
}

void FanoutRun::run(FanoutReport& report) {
    started_ = steady_clock::now();
    startIo();
    auto ready = setupChannel();
    if (ready) {
        progress("channel ready, " + std::to_string(options_.members) + " members");
        ready = connectMembers();
    }
    report.setup_time = steady_clock::now() - started_;
    if (!ready) {
        report.first_error = ready.error();
        progress("set-up failed: " + ready.error());
    } else {
        progress("members connected; sending");
        measure(report);
        drain(report);
    }
    collect(report);
}

void FanoutRun::progress(const std::string& what) const {
    const std::chrono::duration<double> elapsed = steady_clock::now() - started_;
    std::array<char, 32> stamp{};
    std::snprintf(stamp.data(), stamp.size(), "[%7.2f s] ", elapsed.count());
    std::cerr << "parley_fanout: " << stamp.data() << what << '\n' << std::flush;
}

void FanoutRun::startIo() {
    for (unsigned i = 0; i < std::max(1U, options_.client_threads); ++i) {
        contexts_.push_back(std::make_unique<asio::io_context>(1));
        guards_.push_back(asio::make_work_guard(*contexts_.back()));
    }
    for (auto& context : contexts_) {
        threads_.emplace_back([&io = *context] { io.run(); });
    }
}

void FanoutRun::stopIo() {
    if (threads_.empty()) {
        return;
    }
    for (std::size_t i = 0; i < members_.size(); ++i) {
        asio::post(*contexts_[i % contexts_.size()], [&member = *members_[i]] { member.close(); });
    }
    guards_.clear();
    // Closing cancels every pending read, whose handlers still use their members: let them run.
    waitFor(
        [this] {
            return std::ranges::all_of(contexts_, [](const auto& io) { return io->stopped(); });
        },
        5s);
    for (auto& context : contexts_) {
        context->stop();
    }
    for (auto& thread : threads_) {
        thread.join();
    }
    threads_.clear();
}

std::expected<void, std::string> FanoutRun::setupChannel() {
    std::vector<std::string> identities;
    for (std::size_t i = 0; i < options_.members; ++i) {
        identities.push_back(memberIdentity(i));
    }
    setup_ = std::make_unique<ChannelSetup>(*contexts_.front(), servers_.front(),
                                            mintToken(key_, "fanout-admin"), options_.channel_name,
                                            identities);
    auto result = setup_->result();
    asio::post(*contexts_.front(), [this] { setup_->start(options_.connect_window); });
    const bool finished = result.wait_for(60s) == std::future_status::ready;
    // The admin leaves; it stays a member, but with no connection nothing is delivered to it.
    asio::post(*contexts_.front(), [this] { setup_->close(); });
    if (!finished) {
        return std::unexpected("channel setup took over 60 s");
    }
    auto outcome = result.get();
    if (!outcome) {
        return std::unexpected(outcome.error());
    }
    shared_.channel_sid = *outcome;
    return {};
}

std::expected<void, std::string> FanoutRun::connectMembers() {
    for (std::size_t i = 0; i < options_.members; ++i) {
        auto& io = *contexts_[i % contexts_.size()];
        const std::string identity = memberIdentity(i);
        const Endpoint& server =
            i < options_.senders ? servers_.front() : servers_[i % servers_.size()];
        members_.push_back(std::make_unique<FanoutMember>(
            io, server, identity, mintToken(key_, identity), shared_, [this] { connectNext(); }));
    }
    for (std::size_t i = 0; i < options_.connect_window; ++i) {
        connectNext();
    }
    const auto settled = [this] {
        return shared_.members_ready.load() + shared_.members_failed.load() == members_.size();
    };
    if (!waitFor(settled, 60s + options_.members * 10ms)) {
        return std::unexpected("only " + std::to_string(shared_.members_ready.load()) + " of " +
                               std::to_string(members_.size()) + " members connected in time");
    }
    if (shared_.members_failed.load() > 0) {
        return std::unexpected(shared_.firstError());
    }
    return {};
}

void FanoutRun::connectNext() {
    const std::size_t index = next_to_connect_.fetch_add(1);
    if (index < members_.size()) {
        asio::post(*contexts_[index % contexts_.size()],
                   [&member = *members_[index]] { member.start(); });
    }
}

void FanoutRun::measure(FanoutReport& report) {
    shared_.sending.store(true);
    const std::size_t window = options_.window;
    forEachSender([window](FanoutMember& sender) { sender.startSending(window); });
    // The first window of every sender goes out at once; until it has been acknowledged the
    // latencies are those of a burst, not of the steady state, so the warm-up lasts at least that.
    const std::uint64_t first_turn = std::min(options_.senders, members_.size()) * window;
    const auto warm = [this, first_turn] { return shared_.sends_acked.load() >= first_turn; };
    const auto warmup_started = steady_clock::now();
    if (!runFor(options_.warmup) || !runFor(kMaxFirstTurn, warm)) {
        progress("stopped in the warm-up: " + describeProgress());
        return;
    }
    report.warmup = steady_clock::now() - warmup_started;
    progress("warmed up; measuring");
    max_lag_seen_ = 0; // reported for the measured window only
    const Mark start = mark();
    shared_.measuring.store(true);
    const bool completed = runFor(options_.duration);
    shared_.measuring.store(false);
    const Mark end = mark();
    if (!completed) {
        progress("stopped while measuring: " + describeProgress());
        return;
    }
    report.measured = end.cpu.at - start.cpu.at;
    report.sends = end.acked - start.acked;
    report.deliveries = end.deliveries - start.deliveries;
    report.cpu = cpuBetween(start.cpu, end.cpu);
    report.paused = end.paused - start.paused;
}

void FanoutRun::drain(FanoutReport& report) {
    shared_.sending.store(false);
    // Every acknowledged message must reach every member; at most max_lag of them per member are
    // still on their way, at the rate just measured, plus a margin for slow machines.
    const auto all_in = [this] {
        return shared_.sends_in_flight.load() == 0 &&
               receivedRange().first >= shared_.sends_acked.load();
    };
    const auto failed = [this] { return shared_.members_failed.load() > 0 || !server_alive_(); };
    progress("draining: " + describeProgress());
    // In steps, each told: a run killed from outside while it waits still says who lacks what.
    const auto until = steady_clock::now() + kMaxDrain;
    while (!waitFor([&] { return all_in() || failed(); }, kDrainStep) &&
           steady_clock::now() < until) {
        progress("still draining: " + describeProgress() + "; " + describeShortMembers());
    }
    report.drained = all_in();
    progress((report.drained ? "drained: " : "not drained: ") + describeProgress());
    if (!report.drained) {
        progress(describeShortMembers());
    }
}

std::string FanoutRun::describeShortMembers() const {
    constexpr std::size_t kNamed = 8;
    const std::uint64_t acked = shared_.sends_acked.load();
    std::string text = "members short of " + std::to_string(acked) + ":";
    std::size_t named = 0;
    for (std::size_t i = 0; i < members_.size() && named < kNamed; ++i) {
        const std::uint64_t received = members_[i]->received();
        if (received < acked) {
            const std::size_t server = i < options_.senders ? 0 : i % servers_.size();
            text += " " + members_[i]->identity() + " (server " + std::to_string(server + 1) +
                    ", " + std::to_string(received) + ")";
            ++named;
        }
    }
    return text;
}

std::string FanoutRun::describeProgress() const {
    const auto [slowest, fastest] = receivedRange();
    std::string text = std::to_string(shared_.sends_acked.load()) + " messages acknowledged, " +
                       std::to_string(shared_.sends_in_flight.load()) +
                       " in flight; members received " + std::to_string(slowest) + " to " +
                       std::to_string(fastest);
    if (shared_.members_failed.load() > 0) {
        text += "; " + std::to_string(shared_.members_failed.load()) +
                " members failed, first: " + shared_.firstError();
    }
    if (!server_alive_()) {
        text += "; a server is gone";
    }
    return text;
}

void FanoutRun::collect(FanoutReport& report) {
    stopIo();
    std::vector<std::uint32_t> send_to_receipt;
    std::vector<std::uint32_t> commit_to_receipt;
    const std::uint64_t acked = shared_.sends_acked.load();
    for (const auto& member : members_) {
        send_to_receipt.insert(send_to_receipt.end(), member->sendToReceipt().begin(),
                               member->sendToReceipt().end());
        commit_to_receipt.insert(commit_to_receipt.end(), member->commitToReceipt().begin(),
                                 member->commitToReceipt().end());
        report.members_short += member->received() < acked ? 1U : 0U;
        report.members_over += member->received() > acked ? 1U : 0U;
    }
    report.send_to_receipt = summarizeMicros(send_to_receipt);
    report.commit_to_receipt = summarizeMicros(commit_to_receipt);
    report.pauses = pauses_;
    report.backlog_mean_bytes = backlog_samples_ > 0 ? backlog_sum_ / backlog_samples_ : 0;
    report.backlog_max_bytes = backlog_max_;
    report.event_bytes = shared_.event_bytes.load();
    report.max_lag_seen = max_lag_seen_;
    report.sends_failed = shared_.sends_failed.load();
    report.members_failed = shared_.members_failed.load();
    report.unexpected_frames = shared_.unexpected_frames.load();
    if (report.first_error.empty()) {
        report.first_error = shared_.firstError();
    }
}

bool FanoutRun::runFor(steady_clock::duration duration, const std::function<bool()>& done) {
    const auto until = steady_clock::now() + duration;
    for (std::size_t tick = 1; steady_clock::now() < until && !(done && done()); ++tick) {
        std::this_thread::sleep_for(kTick);
        guardLag();
        if (tick % kBacklogEvery == 0 && shared_.measuring.load()) {
            sampleBacklog();
        }
        if (shared_.members_failed.load() > 0 || !server_alive_()) {
            return false;
        }
    }
    return true;
}

void FanoutRun::guardLag() {
    // Newest message known to be committed: acknowledged, or already received by some member
    // (a sender's reply can trail the events of its message).
    const auto [slowest, fastest] = receivedRange();
    const std::uint64_t newest = std::max(shared_.sends_acked.load(), fastest);
    const std::uint64_t lag = newest - slowest;
    max_lag_seen_ = std::max(max_lag_seen_, lag);
    const bool paused = shared_.paused.load();
    if (!paused && lag > options_.max_lag) {
        shared_.paused.store(true);
        pause_started_ = steady_clock::now();
        ++pauses_;
    } else if (paused && lag <= options_.max_lag / 2) {
        shared_.paused.store(false);
        paused_total_ += steady_clock::now() - pause_started_;
        forEachSender([](FanoutMember& sender) { sender.resumeSending(); });
    }
}

void FanoutRun::sampleBacklog() {
    std::uint64_t unread = 0;
    for (const auto& member : members_) {
        unread += member->unreadBytes();
    }
    backlog_sum_ += unread;
    backlog_max_ = std::max(backlog_max_, unread);
    ++backlog_samples_;
}

FanoutRun::Mark FanoutRun::mark() const {
    return Mark{.cpu = sampleCpu(probes_),
                .deliveries = totalReceived(),
                .acked = shared_.sends_acked.load(),
                .paused = pausedSoFar()};
}

std::chrono::duration<double> FanoutRun::pausedSoFar() const {
    if (!shared_.paused.load()) {
        return paused_total_;
    }
    return paused_total_ + std::chrono::duration<double>{steady_clock::now() - pause_started_};
}

std::pair<std::uint64_t, std::uint64_t> FanoutRun::receivedRange() const {
    std::uint64_t slowest = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t fastest = 0;
    for (const auto& member : members_) {
        const std::uint64_t received = member->received();
        slowest = std::min(slowest, received);
        fastest = std::max(fastest, received);
    }
    return {slowest, fastest};
}

std::uint64_t FanoutRun::totalReceived() const {
    std::uint64_t total = 0;
    for (const auto& member : members_) {
        total += member->received();
    }
    return total;
}

void FanoutRun::forEachSender(const std::function<void(FanoutMember&)>& action) {
    const std::size_t senders = std::min(options_.senders, members_.size());
    for (std::size_t i = 0; i < senders; ++i) {
        asio::post(*contexts_[i % contexts_.size()],
                   [action, &sender = *members_[i]] { action(sender); });
    }
}

} // namespace parley::bench
