#include "channel_setup.hpp"

#include "chat_frames.hpp"

#include <algorithm>
#include <utility>

namespace parley::bench {

ChannelSetup::ChannelSetup(boost::asio::io_context& io, const Endpoint& server,
                           std::string admin_token, std::string unique_name,
                           std::vector<std::string> members)
    : socket_(io, server), admin_token_(std::move(admin_token)),
      unique_name_(std::move(unique_name)), members_(std::move(members)) {}

void ChannelSetup::start(std::size_t window) {
    window_ = std::max<std::size_t>(1, window);
    openAndInit(
        socket_, admin_token_, kInitId, [this](std::string_view text) { onFrame(text); },
        [this](const std::string& why) { finish(std::unexpected("admin connection: " + why)); });
}

void ChannelSetup::onFrame(std::string_view text) {
    const auto frame = parseServerFrame(parser_, text);
    if (!frame || !frame->is_reply) {
        return; // member_joined events
    }
    if (!frame->ok) {
        finish(std::unexpected("setup request " + std::to_string(frame->reply_to.value_or(0)) +
                               " refused: " + describeError(*frame)));
        return;
    }
    if (frame->reply_to == kInitId) {
        socket_.send(requestFrame(kCreateId, "channel.create", {{"unique_name", unique_name_}}));
        return;
    }
    if (frame->reply_to == kCreateId) {
        std::string_view sid;
        if (frame->root["channel"]["sid"].get_string().get(sid) != simdjson::SUCCESS) {
            finish(std::unexpected("channel.create reply without channel.sid"));
            return;
        }
        channel_sid_ = sid;
        for (std::size_t i = 0; i < window_; ++i) {
            addNextMember();
        }
        return;
    }
    if (++added_ == members_.size()) {
        finish(channel_sid_);
        return;
    }
    addNextMember();
}

void ChannelSetup::addNextMember() {
    if (next_member_ == members_.size()) {
        return;
    }
    const std::uint64_t id = kFirstAddId + next_member_;
    socket_.send(requestFrame(id, "channel.add_member",
                              {{"channel", channel_sid_}, {"identity", members_[next_member_]}}));
    ++next_member_;
}

void ChannelSetup::finish(std::expected<std::string, std::string> outcome) {
    if (finished_) {
        return;
    }
    finished_ = true;
    result_.set_value(std::move(outcome));
}

} // namespace parley::bench
