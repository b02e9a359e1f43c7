#include "fanout_driver.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace parley::bench::epoll {

namespace {

constexpr auto kPollStep = std::chrono::milliseconds{5};
/// Digits of the send stamp that opens every body (steady clock, nanoseconds).
constexpr std::size_t kStampDigits = 20;

double seconds(Clock::duration duration) {
    return std::chrono::duration<double>(duration).count();
}

Clock::time_point after(double seconds_from_now) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(seconds_from_now));
}

} // namespace

FanoutDriver::FanoutDriver(const DriverOptions& options, EpollLoop& loop, Side& side,
                           bool separate_publishers)
    : options_(options), loop_(loop), side_(side) {
    report_.peer = std::string{side.name()};
    report_.options = options;
    report_.load_average = load::loadAverage();
    if (options.server_pid > 0) {
        server_.emplace(options.server_pid);
    }
    createConns(separate_publishers && !options.idle);
}

void FanoutDriver::createConns(bool separate_publishers) {
    for (std::size_t i = 0; i < options_.subscribers; ++i) {
        Conn& conn = loop_.add();
        conn.subscriber = true;
        conn.publisher = !separate_publishers && !options_.idle && i < options_.publishers;
        subscribers_.push_back(&conn);
        if (conn.publisher) {
            publishers_.push_back(&conn);
        }
    }
    for (std::size_t i = 0; separate_publishers && i < options_.publishers; ++i) {
        Conn& conn = loop_.add();
        conn.publisher = true;
        publishers_.push_back(&conn);
    }
    report_.connections = loop_.conns().size();
}

RunReport FanoutDriver::run() {
    if (options_.idle) {
        measureIdle();
        return report_;
    }
    if (!connectAll()) {
        return report_;
    }
    if (options_.run_max) {
        runMax();
    }
    if (options_.run_rate && report_.failures == 0) {
        runRate();
    }
    countMisses();
    return report_;
}

bool FanoutDriver::connectAll() {
    const auto start = Clock::now();
    const auto deadline = after(options_.setup_timeout_seconds);
    std::size_t next = 0;
    const std::size_t total = loop_.conns().size();
    while (ready_ < total && dead_ == 0 && Clock::now() < deadline) {
        startConnects(next);
        loop_.poll(kPollStep);
    }
    report_.connect_seconds = seconds(Clock::now() - start);
    if (ready_ < total && dead_ == 0) {
        noteFailure(std::to_string(ready_) + " of " + std::to_string(total) +
                    " connections ready at the set-up deadline");
    }
    return ready_ == total && dead_ == 0;
}

void FanoutDriver::startConnects(std::size_t& next) {
    auto& conns = loop_.conns();
    while (next < conns.size() && next - ready_ < options_.connect_window) {
        if (auto connected = loop_.connect(*conns[next], options_.port); !connected) {
            noteFailure("connection " + std::to_string(next) + ": " + connected.error());
            ++dead_;
            return;
        }
        ++next;
    }
}

void FanoutDriver::measureIdle() {
    report_.rss_before_kib = server_ ? server_->residentKib() : std::nullopt;
    if (!connectAll()) {
        return;
    }
    // A second for the server to finish what the last sign-ins started (and free what they used).
    pumpUntil(after(1.0));
    report_.rss_after_kib = server_ ? server_->residentKib() : std::nullopt;
}

void FanoutDriver::onReady(Conn& /*conn*/) {
    ++ready_;
}

void FanoutDriver::onDelivery(Conn& conn, std::string_view body) {
    ++conn.received;
    ++delivered_;
    if (body.size() != options_.body_bytes) {
        ++report_.malformed;
        return;
    }
    if (stamp_to_ == 0) {
        return; // no latency measure (or not yet): the stamp is not read
    }
    std::int64_t stamp = 0;
    std::from_chars(body.data(), body.data() + kStampDigits, stamp);
    if (stamp >= stamp_from_ && stamp < stamp_to_) {
        std::int64_t kernel = loop_.kernelNanos();
        if (kernel == 0) {
            ++report_.unstamped; // no stamp came with the read: the read time stands in
            kernel = loop_.readNanos();
        }
        const std::uint32_t micros = toMicrosSample(std::chrono::nanoseconds{kernel - stamp});
        micros_.push_back(micros);
        auto [receipt, first] = receipts_.try_emplace(stamp, micros, micros);
        if (!first) {
            receipt->second.first = std::min(receipt->second.first, micros);
            receipt->second.second = std::max(receipt->second.second, micros);
        }
        read_micros_.push_back(toMicrosSample(std::chrono::nanoseconds{loop_.readNanos() - stamp}));
    }
}

void FanoutDriver::onAck(Conn& conn, bool ok, std::int64_t receivers, std::string_view why) {
    --conn.in_flight;
    --in_flight_;
    if (!ok) {
        ++report_.refused;
        noteFailure("publish refused on connection " + std::to_string(conn.index) + ": " +
                    std::string{why});
        return;
    }
    ++report_.acked;
    if (receivers >= 0 && static_cast<std::size_t>(receivers) != options_.subscribers) {
        ++report_.short_acks;
    }
    if (mode_ == Mode::window && !paused_) {
        publishOne(conn);
    }
}

void FanoutDriver::onFailure(Conn& conn, const std::string& why) {
    ++dead_;
    in_flight_ -= conn.in_flight;
    conn.in_flight = 0;
    noteFailure("connection " + std::to_string(conn.index) + ": " + why);
}

void FanoutDriver::noteFailure(std::string why) {
    if (report_.failures++ == 0) {
        report_.first_failure = std::move(why);
    }
}

void FanoutDriver::publishOne(Conn& conn) {
    if (conn.closed) {
        return;
    }
    // The body: the send stamp (system clock, ns), the publisher and its sequence, then padding.
    const std::int64_t stamp = nowNanos();
    body_.assign(options_.body_bytes, 'x');
    char* at = body_.data();
    const std::string digits = std::to_string(stamp);
    std::fill_n(at, kStampDigits - digits.size(), '0');
    std::copy(digits.begin(), digits.end(), at + kStampDigits - digits.size());
    const std::string tail = " " + std::to_string(conn.index) + " " + std::to_string(sequence_++);
    std::copy_n(tail.begin(), std::min(tail.size(), body_.size() - kStampDigits),
                at + kStampDigits);
    side_.publish(conn, body_);
    ++conn.in_flight;
    ++in_flight_;
    ++report_.published;
}

std::uint64_t FanoutDriver::slowestReceived() const {
    std::uint64_t slowest = std::numeric_limits<std::uint64_t>::max();
    for (const Conn* conn : subscribers_) {
        slowest = std::min(slowest, conn->received);
    }
    return subscribers_.empty() ? 0 : slowest;
}

bool FanoutDriver::drain() {
    mode_ = Mode::quiet;
    const auto deadline = after(std::max(30.0, options_.setup_timeout_seconds));
    while (Clock::now() < deadline && dead_ == 0) {
        if (in_flight_ == 0 && slowestReceived() >= report_.acked) {
            return true;
        }
        loop_.poll(kPollStep);
    }
    report_.drained = false;
    return false;
}

void FanoutDriver::countMisses() {
    for (const Conn* conn : subscribers_) {
        if (conn->received < report_.acked) {
            report_.misses += report_.acked - conn->received;
        } else if (conn->received > report_.published) {
            report_.extra += conn->received - report_.published;
        }
    }
}

FanoutDriver::Snapshot FanoutDriver::snapshot() const {
    Snapshot now{.when = Clock::now(),
                 .deliveries = delivered_,
                 .acks = report_.acked,
                 .client_cpu = load::selfCpuTime().count()};
    if (server_) {
        if (const auto cpu = server_->cpuTime()) {
            now.server_cpu = cpu->count();
        }
    }
    return now;
}

void FanoutDriver::fillPhase(PhaseReport& phase, const Snapshot& from, const Snapshot& to) const {
    phase.ran = true;
    phase.seconds = seconds(to.when - from.when);
    phase.deliveries = to.deliveries - from.deliveries;
    phase.acks = to.acks - from.acks;
    phase.deliveries_per_second = static_cast<double>(phase.deliveries) / phase.seconds;
    phase.publishes_per_second = static_cast<double>(phase.acks) / phase.seconds;
    phase.client_cores = (to.client_cpu - from.client_cpu) / phase.seconds;
    if (from.server_cpu && to.server_cpu) {
        phase.server_cores = (*to.server_cpu - *from.server_cpu) / phase.seconds;
    }
}

} // namespace parley::bench::epoll
