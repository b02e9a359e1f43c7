#pragma once

// Exactly once, in index order, per channel: merges real-time `message` events and history pages
// (after a join or a reconnect) into one gap-free sequence. Indexes are dense per channel (the
// server takes each in the same transaction as the message), so a gap means something was missed
// and must be fetched, never skipped.

#include <parley/client/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace parley::client {

class ChannelSequencer {
public:
    /// Takes a message from an event or a history page; returns what can now be delivered, in
    /// order. Known indexes are dropped. Before the baseline is set, everything is held. Taken by
    /// rvalue: a held message is moved in, never copied.
    std::vector<Message> accept(Message&& message);

    /// The baseline after a first join: `latest` is the newest index in history then (nullopt
    /// for an empty channel). Messages held since the join are new even when at or below it
    /// (their events came after the join), so the baseline drops below the first of them.
    std::vector<Message> setBaseline(std::optional<std::int64_t> latest);
    /// setBaseline from the history read after a join. That read may already include messages
    /// sent just after the join whose events come after its reply: until something is delivered,
    /// a live message at or below the baseline is such a message, and the baseline drops below
    /// it (acceptLive) instead of dropping it as history.
    std::vector<Message> setBaselineFromHistory(std::optional<std::int64_t> latest);
    /// accept() for a message from a real-time event.
    std::vector<Message> acceptLive(Message&& message);

    bool hasBaseline() const { return last_.has_value(); }
    /// The last index delivered (or the baseline): history is fetched after it.
    std::optional<std::int64_t> lastIndex() const { return last_; }
    /// Messages are held behind a gap: fetch history after lastIndex().
    bool hasGap() const;
    std::size_t held() const { return held_.size(); }

private:
    std::vector<Message> drain();

    std::optional<std::int64_t> last_;
    std::map<std::int64_t, Message> held_;
    // The baseline came from a history read and nothing was delivered since (see acceptLive).
    bool baseline_may_drop_ = false;
};

} // namespace parley::client
