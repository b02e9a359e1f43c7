#pragma once

// The state file of `parley chat`: for each identity, the index of the last message it saw in
// each channel, and its current channel, so a restarted client shows what arrived while it was
// away and knows where a plain line goes. JSON, at most 1 MiB:
//
//   {"version":1,"identities":{"alice":{"current":"CH...","channels":{"CH...":41}}}}
//
// Several clients may share one file (other identities, or the same one twice): a save re-reads
// the file under an exclusive lock (a `.lock` file beside it) and changes only its own identity's
// entry, keeping the larger index of a channel that both know, then replaces the file whole
// (write to a temporary file, rename), so a reader never sees half of one.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace parley::cli {

/// One identity's entry.
struct SeenState {
    /// The SID of the channel a plain line goes to; empty for none.
    std::string current;
    /// Channel SID -> the last message index shown (-1: none, the channel was empty).
    std::map<std::string, std::int64_t> seen;
};

enum class StateFileError {
    /// Larger than 1 MiB: not a file this program wrote.
    kTooLarge,
    /// Not JSON.
    kNotJson,
    /// JSON, but not the shape above (a wrong type, an index below -1, no "identities" object,
    /// a "version" other than 1).
    kBadShape,
    /// It exists but cannot be read, or cannot be written.
    kIo,
};

struct StateFileFailure {
    StateFileError code = StateFileError::kIo;
    std::string message;
};

/// `$XDG_STATE_HOME/parley/chat-state.json`, else `$HOME/.local/state/parley/chat-state.json`;
/// empty when neither variable is set.
std::filesystem::path defaultStatePath();

/// This identity's entry (empty when the file or the entry does not exist).
std::expected<SeenState, StateFileFailure> loadSeenState(const std::filesystem::path& path,
                                                         const std::string& identity);

/// Writes `state` as this identity's entry, merged with what the file holds now; the channels in
/// `forgotten` (left since the last save) are dropped from it. Creates the directory. A file that
/// cannot be read as a state file is replaced.
std::expected<void, StateFileFailure> saveSeenState(const std::filesystem::path& path,
                                                    const std::string& identity,
                                                    const SeenState& state,
                                                    const std::set<std::string>& forgotten);

} // namespace parley::cli
