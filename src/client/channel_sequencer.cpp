#include "client/channel_sequencer.hpp"

#include <algorithm>

namespace parley::client {

std::vector<Message> ChannelSequencer::accept(Message&& message) {
    if (last_ && message.index <= *last_) {
        return {};
    }
    held_.try_emplace(message.index, std::move(message));
    return drain();
}

std::vector<Message> ChannelSequencer::setBaseline(std::optional<std::int64_t> latest) {
    if (last_) {
        return drain();
    }
    last_ = latest.value_or(-1);
    if (!held_.empty()) {
        last_ = std::min(*last_, held_.begin()->first - 1);
    }
    return drain();
}

std::vector<Message> ChannelSequencer::setBaselineFromHistory(std::optional<std::int64_t> latest) {
    const bool first = !last_;
    auto delivered = setBaseline(latest);
    baseline_may_drop_ = first && delivered.empty();
    return delivered;
}

std::vector<Message> ChannelSequencer::acceptLive(Message&& message) {
    if (baseline_may_drop_ && last_ && message.index <= *last_) {
        // Events reach this client in index order and none since the join was delivered, so
        // this one and every index above it were sent after the join: news, not history.
        last_ = message.index - 1;
    }
    return accept(std::move(message));
}

bool ChannelSequencer::hasGap() const {
    return last_ && !held_.empty() && held_.begin()->first > *last_ + 1;
}

std::vector<Message> ChannelSequencer::drain() {
    std::vector<Message> out;
    if (!last_) {
        return out;
    }
    while (!held_.empty() && held_.begin()->first == *last_ + 1) {
        baseline_may_drop_ = false; // from here on an index at or below last_ was delivered
        out.push_back(std::move(held_.begin()->second));
        held_.erase(held_.begin());
        ++*last_;
    }
    return out;
}

} // namespace parley::client
