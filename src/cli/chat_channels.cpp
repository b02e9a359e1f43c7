#include "cli/chat_channels.hpp"

namespace parley::cli {

ChatChannels::ChatChannels(std::shared_ptr<ChatPrinter> printer, std::filesystem::path state_path)
    : printer_(std::move(printer)), state_path_(std::move(state_path)) {}

void ChatChannels::load(const std::string& identity) {
    std::optional<StateFileFailure> problem;
    {
        const std::lock_guard lock{mutex_};
        if (loaded_) {
            return;
        }
        loaded_ = true;
        identity_ = identity;
        if (state_path_.empty()) {
            return;
        }
        auto loaded = loadSeenState(state_path_, identity);
        if (loaded) {
            state_ = std::move(*loaded);
            saved_current_ = state_.current;
            state_.current.clear(); // current again only once it is known to be a member channel
        } else {
            problem = loaded.error();
        }
    }
    if (problem) {
        printer_->stateFileError(state_path_.string(), *problem);
    }
}

void ChatChannels::setMember(const std::string& sid, bool member) {
    const std::lock_guard lock{mutex_};
    if (member) {
        members_.insert(sid);
    } else {
        members_.erase(sid);
    }
}

bool ChatChannels::isMember(const std::string& sid) const {
    const std::lock_guard lock{mutex_};
    return members_.contains(sid);
}

std::vector<std::string> ChatChannels::memberChannels() const {
    const std::lock_guard lock{mutex_};
    return {members_.begin(), members_.end()};
}

std::string ChatChannels::current() const {
    const std::lock_guard lock{mutex_};
    return state_.current;
}

void ChatChannels::setCurrent(const std::string& sid) {
    {
        const std::lock_guard lock{mutex_};
        if (state_.current == sid) {
            return;
        }
        state_.current = sid;
    }
    save();
}

std::string ChatChannels::savedCurrent() const {
    const std::lock_guard lock{mutex_};
    return saved_current_;
}

std::optional<std::int64_t> ChatChannels::seen(const std::string& sid) const {
    const std::lock_guard lock{mutex_};
    const auto found = state_.seen.find(sid);
    if (found == state_.seen.end()) {
        return std::nullopt;
    }
    return found->second;
}

void ChatChannels::markSeen(const std::string& sid, std::int64_t index) {
    {
        const std::lock_guard lock{mutex_};
        auto [entry, inserted] = state_.seen.try_emplace(sid, index);
        if (!inserted && entry->second >= index) {
            return;
        }
        entry->second = index;
        forgotten_.erase(sid);
    }
    save();
}

void ChatChannels::forget(const std::string& sid) {
    {
        const std::lock_guard lock{mutex_};
        members_.erase(sid);
        state_.seen.erase(sid);
        forgotten_.insert(sid);
        if (state_.current == sid) {
            state_.current.clear();
        }
    }
    save();
}

void ChatChannels::live(const client::Message& message) {
    bool shown = false;
    {
        const std::lock_guard lock{mutex_};
        if (const auto held = held_.find(message.channel); held != held_.end()) {
            held->second.push_back(message);
            return;
        }
        shown = showLocked(message, /*caught_up=*/false);
    }
    if (shown) {
        save();
    }
}

void ChatChannels::beginCatchUp(const std::string& sid) {
    const std::lock_guard lock{mutex_};
    held_.try_emplace(sid);
}

bool ChatChannels::caughtUp(const client::Message& message) {
    bool shown = false;
    {
        const std::lock_guard lock{mutex_};
        shown = showLocked(message, /*caught_up=*/true);
    }
    if (shown) {
        save();
    }
    return shown;
}

void ChatChannels::endCatchUp(const std::string& sid) {
    bool shown = false;
    {
        const std::lock_guard lock{mutex_};
        const auto held = held_.find(sid);
        if (held == held_.end()) {
            return;
        }
        const std::vector<client::Message> waiting = std::move(held->second);
        held_.erase(held);
        for (const auto& message : waiting) {
            shown = showLocked(message, /*caught_up=*/false) || shown;
        }
    }
    if (shown) {
        save();
    }
}

bool ChatChannels::showLocked(const client::Message& message, bool caught_up) {
    auto [entry, inserted] = state_.seen.try_emplace(message.channel, message.index);
    if (!inserted) {
        if (entry->second >= message.index) {
            return false; // shown already, by the catch-up or live
        }
        entry->second = message.index;
    }
    forgotten_.erase(message.channel);
    printer_->message(message, caught_up);
    return true;
}

void ChatChannels::save() {
    const std::lock_guard order{save_mutex_};
    SeenState snapshot;
    std::set<std::string> forgotten;
    std::string identity;
    {
        const std::lock_guard lock{mutex_};
        if (state_path_.empty() || !loaded_) {
            return;
        }
        snapshot = state_;
        forgotten = forgotten_;
        identity = identity_;
    }
    if (auto saved = saveSeenState(state_path_, identity, snapshot, forgotten); !saved) {
        if (!save_failed_) { // once, not for every message
            save_failed_ = true;
            printer_->stateFileError(state_path_.string(), saved.error());
        }
    } else {
        save_failed_ = false;
    }
}

} // namespace parley::cli
