#include "heavy_reader.hpp"

#include "chat_frames.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <utility>

namespace parley::bench {

HeavyReader::HeavyReader(boost::asio::io_context& io, const Endpoint& server, std::string token,
                         HeavyOptions options)
    : socket_(io, server), token_(std::move(token)), options_(options),
      body_(options.body_bytes, 'h') {}

void HeavyReader::start() {
    openAndInit(
        socket_, token_, kInitId, [this](std::string_view text) { onFrame(text); },
        [this](const std::string& why) { fail(why); });
}

void HeavyReader::onFrame(std::string_view text) {
    frame_bytes_ = text.size();
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
        onPage(root);
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
    requestPage(std::nullopt);
}

void HeavyReader::requestPage(std::optional<std::uint64_t> before) {
    in_flight_.store(true);
    nlohmann::json args{{"channel", channel_sid_}, {"limit", options_.page}};
    if (before) {
        args["before"] = *before;
    }
    socket_.send(requestFrame(next_id_++, "message.history", std::move(args)));
}

void HeavyReader::onPage(simdjson::dom::element root) {
    // Oldest first: the first message's index says where the next (older) page ends. A server
    // that caps a reply's bytes returns fewer than `limit`; paging on reads the whole channel.
    simdjson::dom::array messages;
    std::uint64_t oldest = 0;
    if (root["messages"].get_array().get(messages) != simdjson::SUCCESS || messages.size() == 0 ||
        messages.at(0)["index"].get_uint64().get(oldest) != simdjson::SUCCESS) {
        fail("a history page without messages");
        return;
    }
    pages_.fetch_add(1);
    page_bytes_.fetch_add(frame_bytes_);
    read_messages_ += messages.size();
    std::optional<std::uint64_t> next_before = oldest;
    if (oldest == 0) {
        if (read_messages_ != options_.messages) {
            fail("a read of the whole channel got " + std::to_string(read_messages_) +
                 " messages, not " + std::to_string(options_.messages));
            return;
        }
        read_messages_ = 0;
        reads_.fetch_add(1);
        next_before.reset();
    }
    if (reading_.load() && !error_.failed()) {
        requestPage(next_before);
    } else {
        in_flight_.store(false);
    }
}

void HeavyReader::fail(const std::string& why) {
    error_.set("heavy reader: " + why);
}

} // namespace parley::bench
