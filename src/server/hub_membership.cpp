// Membership replay: a broker that may lose events (Redis) says so with its identity topic's
// gap, and what the identity belongs to is then read from the store. A channel the store says
// the identity has left is left here too, so a leave whose event was lost stops delivery.
// Joins are not replayed: a join's event names the first index the member is owed, which the
// store does not keep, and starting at the newest index instead would skip what was sent since
// the join. A join's event waits in its node's outbox while Redis is away, so it arrives late
// rather than never (unless that node dies before Redis is back).

#include "server/hub.hpp"

#include <set>

namespace parley::server {

void Hub::rereadMembershipLocked(const std::string& identity, Connected& connected) {
    if (connected.rereading) {
        connected.reread_again = true; // that read may predate what was lost
        return;
    }
    connected.rereading = true;
    connected.reread_again = false;
    backfill_->channelsOf(
        identity, [this, identity, seen = connected.membership_events](Backfill::Channels read) {
            onMembershipRead(identity, seen, read);
        });
}

// On a store worker. A read that a membership event overtook (`seen` is behind) may miss that
// event's outcome, so it is read again rather than applied; a failed read leaves membership as
// the events left it (the store is down: the next gap or session reads it again).
void Hub::onMembershipRead(const std::string& identity, std::uint64_t seen,
                           Backfill::Channels read) {
    const std::lock_guard lock{mutex_};
    const auto found = identities_.find(identity);
    if (found == identities_.end()) {
        return; // every session of it has gone meanwhile
    }
    Connected& connected = found->second;
    connected.rereading = false;
    if (read.has_value() && connected.membership_events == seen) {
        applyMembershipLocked(identity, connected, *read);
    } else if (read.has_value()) {
        connected.reread_again = true;
    }
    if (connected.reread_again) {
        rereadMembershipLocked(identity, connected);
    }
}

void Hub::applyMembershipLocked(const std::string& identity, Connected& connected,
                                const std::vector<MemberChannel>& channels) {
    std::set<std::string, std::less<>> stored;
    for (const MemberChannel& channel : channels) {
        stored.insert(channel.sid);
    }
    const auto known = connected.channels; // leaveLocked erases from it
    for (const std::string& channel : known) {
        if (!stored.contains(channel)) {
            connected.left.insert(channel);
            leaveLocked(channel, identity);
        }
    }
}

} // namespace parley::server
