#include "heavy_reader.hpp"

#include "chat_frames.hpp"

#include <utility>

namespace parley::bench {

HeavyReader::HeavyReader(boost::asio::io_context& io, const Endpoint& server, std::string token,
                         HeavyOptions options)
    : socket_(io, server), token_(std::move(token)), options_(options),
      body_(options.body_bytes, 'h') {}

void HeavyReader::start() {
    socket_.open([this](const std::string& error) {
        if (!error.empty()) {
            fail(error);
            return;
        }
        socket_.readFrames([this](std::string_view text) { onFrame(text); },
                           [this](const std::string& why) { fail(why); });
        socket_.send(requestFrame(kInitId, "init", {{"token", token_}}));
    });
}

void HeavyReader::onFrame(std::string_view text) {
    frame_bytes_ = text.size();
    if (text.size() >= kUnparsedBytes && page_checked_) {
        onPage();
        return;
    }
    const auto frame = parseServerFrame(parser_, text);
    if (!frame) {
        fail("a frame that is not a JSON object");
    } else if (frame->is_reply && !frame->ok) {
        fail("reply " + std::to_string(frame->reply_to.value_or(0)) + ": " + describeError(*frame));
    } else if (frame->is_reply) {
        onReply(frame->reply_to.value_or(0), frame->root);
    } else if (frame->event == "message" && ++events_ == options_.messages &&
               acked_ == options_.messages) {
        filled_.store(true);
    }
}

void HeavyReader::onReply(std::uint64_t id, simdjson::dom::element root) {
    if (id == kInitId) {
        socket_.send(requestFrame(kCreateId, "channel.create", {{"unique_name", "fairness"}}));
    } else if (id == kCreateId) {
        std::string_view sid;
        if (root["channel"]["sid"].get_string().get(sid) != simdjson::SUCCESS) {
            fail("channel.create reply without channel.sid");
            return;
        }
        channel_sid_ = sid;
        for (std::size_t i = 0; i < options_.fill_window; ++i) {
            sendMessage();
        }
    } else if (acked_ < options_.messages) {
        if (++acked_ == options_.messages && events_ == options_.messages) {
            filled_.store(true);
        }
        sendMessage();
    } else {
        simdjson::dom::array messages;
        if (root["messages"].get_array().get(messages) != simdjson::SUCCESS ||
            messages.size() != std::min(options_.page, options_.messages)) {
            fail("the first history page does not hold the whole channel");
            return;
        }
        page_checked_ = true;
        onPage();
    }
}

void HeavyReader::sendMessage() {
    if (sent_ == options_.messages) {
        return;
    }
    ++sent_;
    socket_.send(
        requestFrame(next_id_++, "message.send", {{"channel", channel_sid_}, {"body", body_}}));
}

void HeavyReader::startReading() {
    reading_.store(true);
    requestPage();
}

void HeavyReader::requestPage() {
    in_flight_.store(true);
    socket_.send(requestFrame(next_id_++, "message.history",
                              {{"channel", channel_sid_}, {"limit", options_.page}}));
}

void HeavyReader::onPage() {
    pages_.fetch_add(1);
    page_bytes_.fetch_add(frame_bytes_);
    if (reading_.load() && !failed_.load()) {
        requestPage();
    } else {
        in_flight_.store(false);
    }
}

std::string HeavyReader::error() const {
    const std::lock_guard lock{error_mutex_};
    return error_;
}

void HeavyReader::fail(const std::string& why) {
    {
        const std::lock_guard lock{error_mutex_};
        if (error_.empty()) {
            error_ = "heavy reader: " + why;
        }
    }
    failed_.store(true);
}

} // namespace parley::bench
