// The hub's gap filling over a broker that may lose events: each subscribed channel's messages
// reach its members in index order and once, reading from the store what the broker lost.
//
// Only one thread delivers a channel at a time: the broker thread while the channel is not
// holding, else the one store worker in onRead (`delivering`); a read that completes meanwhile
// leaves its result for that worker. Events that arrive while holding wait in `held`.

#include "server/delivery_inbox.hpp"
#include "server/hub.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace parley::server {

// Under the lock, on the broker thread: deliver now (true), or not (held, or already seen).
bool Hub::admitLocked(Sequence& sequence, const ChannelEvent& event) {
    if (sequence.holding) {
        holdLocked(sequence, event);
        return false;
    }
    if (event.kind != ChannelEvent::Kind::kMessage) {
        return true;
    }
    if (sequence.last.has_value() && event.index <= *sequence.last) {
        return false; // delivered already, from the store
    }
    if (sequence.last.has_value() && event.index > *sequence.last + 1 && !sequence.store_failed) {
        holdLocked(sequence, event);
        startReadLocked(event.channel, sequence);
        return false;
    }
    sequence.store_failed = false; // delivering again: the next jump tries the store again
    sequence.last = event.index;
    return true;
}

namespace {

std::size_t frameBytes(const ChannelEvent& event) {
    return event.frame != nullptr ? event.frame->size() : 0;
}

} // namespace

// Past the cap a message is dropped: the store has it, and a read after what was held fetches
// it. A membership event is not in the store by index, so it is kept; a message dropped before
// it then comes after it, which is only order, nothing lost.
void Hub::holdLocked(Sequence& sequence, const ChannelEvent& event) {
    const std::size_t bytes = frameBytes(event);
    if (event.kind == ChannelEvent::Kind::kMessage && sequence.last.has_value() &&
        sequence.held_bytes + bytes > kMaxHeldBytes) {
        sequence.held_dropped = true;
        return;
    }
    sequence.held_bytes += bytes;
    sequence.held.push_back(event);
}

void Hub::popHeldLocked(Sequence& sequence) {
    sequence.held_bytes -= frameBytes(sequence.held.front());
    sequence.held.pop_front();
}

std::size_t Hub::heldBytes(std::string_view channel) const {
    const std::lock_guard lock{mutex_};
    const auto found = sequences_.find(channel);
    return found == sequences_.end() ? 0 : found->second.held_bytes;
}

void Hub::startReadLocked(const std::string& channel, Sequence& sequence) {
    sequence.holding = true;
    sequence.reading = true;
    backfill_->read(channel, sequence.last,
                    [this, channel, generation = sequence.generation](Backfill::Result result) {
                        onRead(channel, generation, std::move(result));
                    });
}

void Hub::onBrokerGap(std::string_view topic) {
    if (backfill_ == nullptr) {
        return;
    }
    if (isIdentityTopic(topic)) {
        const std::string identity{topic.substr(identityTopic("").size())};
        const std::lock_guard lock{mutex_};
        if (const auto found = identities_.find(identity); found != identities_.end()) {
            rereadMembershipLocked(identity, found->second);
        }
        return;
    }
    const std::string prefix = channelTopic("");
    if (!topic.starts_with(prefix)) {
        return;
    }
    const std::lock_guard lock{mutex_};
    const auto found = sequences_.find(topic.substr(prefix.size()));
    if (found == sequences_.end()) {
        return;
    }
    if (found->second.reading) {
        found->second.read_again = true; // that read may predate what was lost
    } else {
        startReadLocked(found->first, found->second);
    }
}

void Hub::onRead(const std::string& channel, std::uint64_t generation, Backfill::Result result) {
    {
        const std::lock_guard lock{mutex_};
        const auto found = sequences_.find(channel);
        if (found == sequences_.end() || found->second.generation != generation) {
            return; // the channel was left meanwhile
        }
        found->second.read = std::move(result);
        if (found->second.delivering) {
            return; // the worker delivering this channel takes it from here
        }
        found->second.delivering = true;
    }
    while (true) {
        Batch batch;
        {
            const std::lock_guard lock{mutex_};
            const auto found = sequences_.find(channel);
            if (found == sequences_.end() || found->second.generation != generation) {
                return;
            }
            Sequence& sequence = found->second;
            applyReadLocked(channel, sequence, batch);
            if (!sequence.reading) {
                drainHeldLocked(channel, sequence, batch);
            }
            if (batch.empty()) {
                sequence.delivering = false;
                sequence.holding = sequence.reading;
                return;
            }
        }
        const DeliveryInbox::Batch handover; // the lot in one hand-over per io thread
        for (const auto& [targets, frame] : batch) {
            deliverTo(targets, frame);
        }
    }
}

void Hub::applyReadLocked(const std::string& channel, Sequence& sequence, Batch& batch) {
    if (!sequence.read.has_value()) {
        return;
    }
    Backfill::Result result = std::move(*sequence.read);
    sequence.read.reset();
    sequence.reading = false;
    sequence.store_failed = !result;
    if (!result) {
        // The store failed: deliver what comes as it comes rather than hold it for ever. `last`
        // stays the last index delivered, so a later read (a broker gap) still reads after it.
        if (!std::exchange(sequence.subscribed, true)) {
            broker_.subscribe(channelTopic(channel), *this);
        }
    } else if (!sequence.last.has_value()) {
        // The newest index (-1: no message yet), read before subscribing: delivery starts after
        // it, and anything sent from then on comes as an event or shows as a jump.
        sequence.last = result->empty() ? -1 : result->back().index;
        if (!std::exchange(sequence.subscribed, true)) {
            broker_.subscribe(channelTopic(channel), *this);
        }
    } else {
        fillLocked(sequence, *result, batch);
    }
    if (sequence.read_again && result) {
        sequence.read_again = false;
        startReadLocked(channel, sequence);
    }
}

// Only up to the first held message not delivered yet: what was held goes in its place, after
// the messages before it and before those after it (a member event held between them too). A
// held message at or below `last` (its event came after the store had given it) sets no bound:
// taken as one, it made a read that had the next messages look empty, and they were skipped.
void Hub::fillLocked(Sequence& sequence, const std::vector<ChannelEvent>& events, Batch& batch) {
    std::int64_t below = std::numeric_limits<std::int64_t>::max();
    for (const ChannelEvent& event : sequence.held) {
        if (event.kind == ChannelEvent::Kind::kMessage && event.index > *sequence.last) {
            below = event.index;
            break;
        }
    }
    bool found = false;
    for (const ChannelEvent& event : events) {
        if (event.index > *sequence.last && event.index < below) {
            sequence.last = event.index;
            found = true;
            batch.emplace_back(channelTargetsLocked(event), event.frame);
        }
    }
    sequence.empty_reads = found ? 0 : sequence.empty_reads + 1;
    if (!events.empty()) {
        sequence.read_newest = std::max(sequence.read_newest, events.back().index);
    }
    if (events.size() == Backfill::kPage && *sequence.last + 1 < below) {
        sequence.read_again = true; // a full page: there may be more
    }
}

// What waited while the store was read, in arrival order, up to the next jump.
void Hub::drainHeldLocked(const std::string& channel, Sequence& sequence, Batch& batch) {
    while (!sequence.held.empty()) {
        const ChannelEvent& event = sequence.held.front();
        if (event.kind == ChannelEvent::Kind::kMessage) {
            const bool known = sequence.last.has_value();
            if (known && event.index <= *sequence.last) {
                popHeldLocked(sequence);
                continue;
            }
            // A jump: read what lies under it. A read that found nothing may have been made
            // before this message was held, so before the ones under it were stored (other
            // nodes send them, and their events come in any order); one made after it was held
            // sees them all, since an index is taken only once the one before it is committed.
            // So only after kEmptyReadsBeforeSkip empty reads in a row does the store not have
            // them (indexes are never skipped, so this does not happen), and the jump is
            // delivered rather than read for ever.
            if (known && event.index > *sequence.last + 1 &&
                sequence.empty_reads < kEmptyReadsBeforeSkip && !sequence.store_failed) {
                startReadLocked(channel, sequence);
                return;
            }
            sequence.empty_reads = 0;
            sequence.store_failed = false;
            sequence.last = event.index;
        }
        batch.emplace_back(channelTargetsLocked(event), event.frame);
        popHeldLocked(sequence);
    }
    // What was dropped past the cap; or messages a read found past the first held one whose
    // events never came (the broker lost them, which is why it was read): held events did not
    // bring `last` up to them, so they are read again from there rather than wait for a jump.
    const bool read_ahead = sequence.last.has_value() && sequence.read_newest > *sequence.last;
    if (std::exchange(sequence.held_dropped, false) || read_ahead) {
        startReadLocked(channel, sequence);
    }
}

} // namespace parley::server
