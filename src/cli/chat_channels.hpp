#pragma once

// What `parley chat` knows about channels: which the user is a member of, which is current, and
// for each the index of the last message shown, kept in the state file (chat_state.hpp). Every
// message goes through here, live or from a catch-up, so each index is shown once and in order:
// while a channel is being caught up, its live messages wait, and afterwards only those past the
// last shown index are printed.
//
// Threading: thread-safe (live messages come on the SDK's callback thread, catch-ups run on the
// command loop). Names live in the printer, which prints them.

#include "cli/chat_printer.hpp"
#include "cli/chat_state.hpp"

#include <parley/client/types.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parley::cli {

class ChatChannels {
public:
    /// `state_path` empty: nothing is kept between runs.
    ChatChannels(std::shared_ptr<ChatPrinter> printer, std::filesystem::path state_path);

    /// Reads `identity`'s entry from the state file (once; later calls do nothing). A file that
    /// cannot be read is reported and replaced at the next save.
    void load(const std::string& identity);

    void setMember(const std::string& sid, bool member);
    bool isMember(const std::string& sid) const;
    /// The member channels, by SID.
    std::vector<std::string> memberChannels() const;
    /// The SID a plain line goes to (empty for none).
    std::string current() const;
    void setCurrent(const std::string& sid);
    /// The channel a save left current, or empty.
    std::string savedCurrent() const;

    /// The last index shown in `sid`, if any is known.
    std::optional<std::int64_t> seen(const std::string& sid) const;
    /// Counts `index` as seen unless a later one already is; shows nothing.
    void markSeen(const std::string& sid, std::int64_t index);
    /// The user left `sid`: its index is dropped from the state file.
    void forget(const std::string& sid);

    /// A live message: shown if new, held while `sid` is being caught up.
    void live(const client::Message& message);
    /// Live messages of `sid` wait from now until endCatchUp.
    void beginCatchUp(const std::string& sid);
    /// A missed message from history: shown if new. True when it was.
    bool caughtUp(const client::Message& message);
    /// Shows the live messages that waited, past what the catch-up showed.
    void endCatchUp(const std::string& sid);

private:
    // Under mutex_: shows `message` if it is past the last index shown; true when it was.
    bool showLocked(const client::Message& message, bool caught_up);
    void save();

    std::shared_ptr<ChatPrinter> printer_;
    std::filesystem::path state_path_;
    mutable std::mutex mutex_;
    std::string identity_;
    bool loaded_ = false;
    SeenState state_;
    std::string saved_current_;
    std::set<std::string> members_;
    std::set<std::string> forgotten_;
    std::map<std::string, std::vector<client::Message>> held_;
    std::mutex save_mutex_; // saves in order: a later snapshot is never overwritten by an earlier
    bool save_failed_ = false; // under save_mutex_
};

} // namespace parley::cli
