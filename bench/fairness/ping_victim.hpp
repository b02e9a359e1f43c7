#pragma once

// The victim of the fairness run: a user on its own connection who only sends `ping`, at a fixed
// rate whatever the replies do (open loop, so a slow reply cannot postpone the pings behind it and
// hide itself), and times each round trip from just before the write to the kernel's receive
// stamp of the reply. The stamp keeps this program's own scheduling out of the figure: the heavy
// reader runs on another thread of the same process.
//
// Threading: start() runs on the io_context's thread (the run posts it), startPhase() on any; the
// atomics may be read from any thread, and takeSamples() once phaseDone() is true.

#include "chat_socket.hpp"
#include "first_error.hpp"

#include <boost/asio/steady_timer.hpp>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::bench {

class PingVictim {
public:
    PingVictim(boost::asio::io_context& io, const Endpoint& server, std::string token);

    /// Connects and sends init; ready() or failed() tells how it went.
    void start();
    /// Any thread, once the previous phase is done: sends `count` pings, one every `interval`,
    /// and collects their round trips.
    void startPhase(std::chrono::nanoseconds interval, std::size_t count);

    bool ready() const { return ready_.load(); }
    bool failed() const { return error_.failed(); }
    std::string error() const { return error_.what(); }
    /// Every ping of the current phase has been answered.
    bool phaseDone() const { return answered_.load() == phase_count_.load(); }
    std::size_t answered() const { return answered_.load(); }
    /// The phase's round trips in microseconds.
    std::vector<std::uint32_t> takeSamples() { return std::move(samples_); }

private:
    static constexpr std::uint64_t kInitId = 1;

    void onFrame(std::string_view text);
    void sendPing();
    void fail(const std::string& why);

    StampedChatSocket socket_;
    boost::asio::steady_timer timer_;
    simdjson::dom::parser parser_;
    std::string token_;
    std::uint64_t next_id_ = kInitId + 1;
    std::chrono::nanoseconds interval_{};
    std::chrono::steady_clock::time_point phase_start_{};
    std::size_t sent_in_phase_ = 0;
    std::unordered_map<std::uint64_t, std::chrono::system_clock::time_point> sent_at_;
    std::vector<std::uint32_t> samples_;
    std::atomic<std::size_t> phase_count_{0};
    std::atomic<std::size_t> answered_{0};
    std::atomic<bool> ready_{false};
    FirstError error_;
};

} // namespace parley::bench
