#include "fanout_member.hpp"

#include "chat_frames.hpp"
#include "latency_summary.hpp"

#include <charconv>
#include <utility>

namespace parley::bench {

namespace {

using std::chrono::steady_clock;
using std::chrono::system_clock;

constexpr std::string_view kStampPrefix = "t=";

/// `t=<steady clock ns> xxx...`, exactly `bytes` long: the receiver reads the send time back.
std::string stampedBody(std::size_t bytes) {
    std::string body{kStampPrefix};
    body += std::to_string(steady_clock::now().time_since_epoch().count());
    body += ' ';
    if (body.size() < bytes) {
        body.append(bytes - body.size(), 'x');
    }
    return body;
}

std::optional<steady_clock::time_point> sentAt(std::string_view body) {
    if (!body.starts_with(kStampPrefix)) {
        return std::nullopt;
    }
    body.remove_prefix(kStampPrefix.size());
    steady_clock::rep ticks = 0;
    if (std::from_chars(body.data(), body.data() + body.size(), ticks).ec != std::errc{}) {
        return std::nullopt;
    }
    return steady_clock::time_point{steady_clock::duration{ticks}};
}

} // namespace

void FanoutShared::note(const std::string& why) {
    const std::lock_guard lock{error_mutex_};
    if (first_error_.empty()) {
        first_error_ = why;
    }
}

void FanoutShared::fail(const std::string& why) {
    note(why);
    members_failed.fetch_add(1);
}

std::string FanoutShared::firstError() const {
    const std::lock_guard lock{error_mutex_};
    return first_error_;
}

FanoutMember::FanoutMember(boost::asio::io_context& io, const Endpoint& server,
                           std::string identity, std::string token, FanoutShared& shared,
                           std::function<void()> on_settled)
    : socket_(io, server), identity_(std::move(identity)), token_(std::move(token)),
      shared_(shared), on_settled_(std::move(on_settled)) {}

void FanoutMember::start() {
    openAndInit(
        socket_, std::exchange(token_, {}), kInitId,
        [this](std::string_view text) { onFrame(text); },
        [this](const std::string& why) { fail(why); });
}

void FanoutMember::onFrame(std::string_view text) {
    thread_local simdjson::dom::parser parser;
    const auto frame = parseServerFrame(parser, text);
    if (!frame) {
        shared_.unexpected_frames.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (frame->is_reply) {
        const std::string why = frame->ok ? std::string{} : describeError(*frame);
        if (frame->reply_to == kInitId) {
            onInitReply(frame->ok, why);
        } else {
            onSendReply(frame->ok, why);
        }
        return;
    }
    if (frame->event != "message") {
        return; // membership events of the setup
    }
    simdjson::dom::element message;
    const auto fields = frame->root["message"].get(message) == simdjson::SUCCESS
                            ? messageFields(message)
                            : std::nullopt;
    if (!fields) {
        shared_.unexpected_frames.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    if (shared_.event_bytes.load(std::memory_order_relaxed) == 0) {
        shared_.event_bytes.store(text.size(), std::memory_order_relaxed);
    }
    onMessage(fields->body, fields->date_created);
}

void FanoutMember::onMessage(std::string_view body, system_clock::time_point date_created) {
    received_.fetch_add(1, std::memory_order_relaxed);
    if (!shared_.measuring.load(std::memory_order_relaxed)) {
        return;
    }
    const auto arrived = socket_.arrival();
    commit_to_receipt_.push_back(toMicrosSample(arrived - date_created));
    if (const auto sent = sentAt(body)) {
        send_to_receipt_.push_back(toMicrosSample(steady_clock::now() - *sent));
    }
}

void FanoutMember::onInitReply(bool ok, const std::string& why) {
    if (!ok) {
        fail("init refused: " + why);
        return;
    }
    shared_.members_ready.fetch_add(1);
    settle();
}

void FanoutMember::onSendReply(bool ok, const std::string& why) {
    shared_.sends_in_flight.fetch_sub(1);
    if (ok) {
        shared_.sends_acked.fetch_add(1);
    } else {
        shared_.sends_failed.fetch_add(1);
        shared_.note(identity_ + ": message.send refused: " + why);
    }
    if (shared_.sending.load() && !shared_.paused.load()) {
        sendMessage();
    } else {
        ++idle_slots_;
    }
}

void FanoutMember::startSending(std::size_t window) {
    for (std::size_t i = 0; i < window; ++i) {
        sendMessage();
    }
}

void FanoutMember::resumeSending() {
    while (idle_slots_ > 0 && shared_.sending.load() && !shared_.paused.load()) {
        --idle_slots_;
        sendMessage();
    }
}

void FanoutMember::sendMessage() {
    shared_.sends_in_flight.fetch_add(1);
    socket_.send(requestFrame(
        next_id_++, "message.send",
        {{"channel", shared_.channel_sid}, {"body", stampedBody(shared_.body_bytes)}}));
}

void FanoutMember::close() {
    closing_ = true;
    socket_.close();
}

void FanoutMember::settle() {
    if (!settled_) {
        settled_ = true;
        on_settled_();
    }
}

void FanoutMember::fail(const std::string& why) {
    if (closing_) {
        return;
    }
    closing_ = true;
    shared_.fail(identity_ + ": " + why);
    settle();
}

} // namespace parley::bench
