#pragma once

// The publishes a RedisBroker holds back so that none overtakes a SUBSCRIBE sent before it.
// Replies on the one subscribing connection come back in the order the commands went, so a
// publish may go once as many SUBSCRIBEs are confirmed as had been sent when it was queued:
// each entry carries that count. Waiting for "no SUBSCRIBE in flight" instead would let a steady
// stream of SUBSCRIBEs (joins to new channels) hold every publish back forever.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace parley::server {

class PublishOutbox {
public:
    struct Entry {
        std::string topic;
        std::string bytes; // the encoded event
        std::uint64_t subscribes_before = 0;
    };

    explicit PublishOutbox(std::size_t capacity) : capacity_(capacity) {}

    /// Queues a publish behind every SUBSCRIBE sent so far; beyond the capacity the oldest is
    /// dropped (at most once: a subscriber fills the gap from the store).
    void push(std::string topic, std::string bytes) {
        entries_.push_back(Entry{std::move(topic), std::move(bytes), sent_});
        if (entries_.size() > capacity_) {
            entries_.pop_front();
        }
    }

    void subscribeSent() { ++sent_; }
    void subscribeConfirmed() { ++confirmed_; }

    /// The subscribing connection is gone with whatever it had in flight: those SUBSCRIBEs will
    /// never be confirmed.
    void subscribesLost() { confirmed_ = sent_; }

    /// Everything queued now waits for every SUBSCRIBE sent so far (the topics subscribed again
    /// on a new subscribing connection).
    void waitForAllSent() {
        for (Entry& entry : entries_) {
            entry.subscribes_before = sent_;
        }
    }

    /// How many SUBSCRIBEs have been sent; a mark that allConfirmed() tells of later.
    std::uint64_t sentMark() const { return sent_; }
    bool confirmedUpTo(std::uint64_t mark) const { return confirmed_ >= mark; }

    /// The head, if it may go now; nullptr otherwise.
    const Entry* ready() const {
        if (entries_.empty() || entries_.front().subscribes_before > confirmed_) {
            return nullptr;
        }
        return &entries_.front();
    }
    void pop() { entries_.pop_front(); }
    std::size_t size() const { return entries_.size(); }

private:
    std::size_t capacity_;
    std::deque<Entry> entries_;
    std::uint64_t sent_ = 0;
    std::uint64_t confirmed_ = 0;
};

} // namespace parley::server
