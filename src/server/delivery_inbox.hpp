#pragma once

// The deliveries bound for one io thread's connections, handed over in batches. The hub delivers
// from the broker's thread (or a store worker); posting one handler per member per message would
// cost an allocation and a queue operation per delivery, and each connection would write once per
// message. Instead the deliveries are appended here under a short lock, one drain is posted while
// any are waiting, and the drain hands them all to their sessions under one OutboxCork: a
// connection that got ten messages since the last drain writes them in one gather write. The
// busier the thread, the larger the batches.
//
// One inbox per io_context, as an Asio service of that context (use_service), so a session finds
// its thread's inbox from its executor.
//
// A message for many sessions of one thread goes in as one fan-out (pushFanout): the list of its
// targets, shared with the hub's cache, and the frame. The broker's thread then does one step
// per io thread instead of one per member, and each target costs the io thread a weak-pointer
// lock and a queue entry.

#include "server/broker/broker.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace parley::server {

class DeliveryInbox : public boost::asio::execution_context::service {
public:
    /// What receives a delivery on its io thread.
    class Target {
    public:
        virtual void deliverNow(const Payload& payload) = 0;

    protected:
        ~Target() = default;
    };

    /// A fan-out's targets, in delivery order. Weak: a session gone by the drain is skipped.
    using Targets = std::vector<std::weak_ptr<Target>>;

    static inline boost::asio::execution_context::id id; // NOLINT: Asio's name for the key.

    explicit DeliveryInbox(boost::asio::execution_context& context);

    /// The inbox of the context that runs `executor`.
    static DeliveryInbox& of(const boost::asio::any_io_executor& executor);

    /// From any thread: `payload` for `target`, after whatever was pushed for it before.
    /// `executor` runs `target` (the inbox's own context).
    void push(std::shared_ptr<Target> target, Payload payload,
              const boost::asio::any_io_executor& executor);

    /// From any thread: `payload` for each of `targets` still alive at the drain, in the list's
    /// order, after whatever was pushed for them before. One entry for all of them; the list
    /// must not change afterwards (the hub builds a new one when members change).
    void pushFanout(std::shared_ptr<const Targets> targets, Payload payload,
                    const boost::asio::any_io_executor& executor);

    /// While a batch lives on a thread, push() from that thread only collects; when the outermost
    /// batch ends, each inbox takes what was pushed to it under one lock, with one drain posted.
    /// The hub hands a message to every member under one: a channel of a hundred members costs
    /// each io thread's inbox one lock per message, not a hundred (the io thread drains the same
    /// inbox, so each of those locks could also make it wait).
    class Batch {
    public:
        Batch();
        /// Hands over what was collected.
        ~Batch();
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
    };

private:
    // One target, or (target null) each live one of a fan-out.
    struct Delivery {
        std::shared_ptr<Target> target;
        std::shared_ptr<const Targets> fanout;
        Payload payload;
    };
    /// What a thread's batch holds for one inbox.
    struct Collected {
        DeliveryInbox* inbox;
        boost::asio::any_io_executor executor;
        std::vector<Delivery> deliveries;
    };
    /// The batches living on one thread: their depth, what they collected, and the emptied
    /// vectors of earlier batches (their capacity: a busy broker thread allocates nothing for
    /// it). Nothing names an inbox between batches, so none is named after it is gone.
    struct ThreadBatch {
        int depth = 0;
        std::vector<Collected> collected;
        std::vector<std::vector<Delivery>> spare;
    };
    static ThreadBatch& threadBatch();

    /// Collects `delivery` in the thread's batch, or hands it over at once without one.
    void add(Delivery delivery, const boost::asio::any_io_executor& executor);
    /// With mutex_ held: true if no drain is posted yet, and marks one posted (the caller posts).
    bool claimDrainLocked();
    /// Appends `deliveries` (emptied) to pending_ under one lock; posts the drain if needed.
    void pushAll(std::vector<Delivery>& deliveries, const boost::asio::any_io_executor& executor);

    void drain();
    /// Consecutive fan-outs to one list, handed target by target (see the definition).
    static void handFanoutRun(std::span<const Delivery> run);
    void shutdown() override;

    std::mutex mutex_;
    std::vector<Delivery> pending_;
    std::vector<Delivery> spare_; // empty, with the capacity of the last batch (io thread only)
    bool drain_posted_ = false;
};

} // namespace parley::server
