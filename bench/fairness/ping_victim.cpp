#include "ping_victim.hpp"

#include "chat_frames.hpp"
#include "latency_summary.hpp"

#include <boost/asio/post.hpp>

#include <utility>

namespace parley::bench {

PingVictim::PingVictim(boost::asio::io_context& io, const Endpoint& server, std::string token)
    : socket_(io, server), timer_(io), token_(std::move(token)) {}

void PingVictim::start() {
    openAndInit(
        socket_, token_, kInitId, [this](std::string_view text) { onFrame(text); },
        [this](const std::string& why) { fail(why); });
}

void PingVictim::onFrame(std::string_view text) {
    const auto arrived = socket_.arrival();
    const auto frame = parseServerFrame(parser_, text);
    if (!frame || !frame->is_reply) {
        return; // the victim is in no channel: no events but lifecycle ones
    }
    if (!frame->ok) {
        fail("reply " + std::to_string(frame->reply_to.value_or(0)) + ": " + describeError(*frame));
        return;
    }
    if (frame->reply_to == kInitId) {
        ready_.store(true);
        return;
    }
    const auto sent = sent_at_.find(frame->reply_to.value_or(0));
    if (sent == sent_at_.end()) {
        fail("a reply to no ping of this phase");
        return;
    }
    samples_.push_back(toMicrosSample(arrived - sent->second));
    sent_at_.erase(sent);
    answered_.fetch_add(1);
}

void PingVictim::startPhase(std::chrono::nanoseconds interval, std::size_t count) {
    // Set here, before the post, so phaseDone() is false from the moment this returns.
    answered_.store(0);
    phase_count_.store(count);
    boost::asio::post(timer_.get_executor(), [this, interval] {
        interval_ = interval;
        phase_start_ = std::chrono::steady_clock::now();
        sent_in_phase_ = 0;
        samples_.clear();
        sendPing();
    });
}

void PingVictim::sendPing() {
    if (sent_in_phase_ == phase_count_.load() || error_.failed()) {
        return;
    }
    const std::uint64_t id = next_id_++;
    sent_at_[id] = std::chrono::system_clock::now();
    socket_.send(requestFrame(id, "ping"));
    ++sent_in_phase_;
    // Absolute due times: a late timer does not push the rest of the schedule back.
    timer_.expires_at(phase_start_ + interval_ * static_cast<std::int64_t>(sent_in_phase_));
    timer_.async_wait([this](boost::system::error_code error) {
        if (!error) {
            sendPing();
        }
    });
}

void PingVictim::fail(const std::string& why) {
    error_.set("victim: " + why);
}

} // namespace parley::bench
