#include "server/delivery_inbox.hpp"

#include "server/outbox_stream.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <algorithm>
#include <iterator>
#include <span>
#include <utility>

namespace parley::server {

DeliveryInbox::DeliveryInbox(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {}

DeliveryInbox& DeliveryInbox::of(const boost::asio::any_io_executor& executor) {
    return boost::asio::use_service<DeliveryInbox>(
        boost::asio::query(executor, boost::asio::execution::context));
}

DeliveryInbox::ThreadBatch& DeliveryInbox::threadBatch() {
    thread_local ThreadBatch batch;
    return batch;
}

DeliveryInbox::Batch::Batch() {
    ++threadBatch().depth;
}

DeliveryInbox::Batch::~Batch() {
    ThreadBatch& batch = threadBatch();
    if (--batch.depth > 0) {
        return; // the outermost hands over
    }
    for (Collected& collected : batch.collected) {
        collected.inbox->pushAll(collected.deliveries, collected.executor);
        batch.spare.push_back(std::move(collected.deliveries));
    }
    batch.collected.clear();
}

void DeliveryInbox::push(std::shared_ptr<Target> target, Payload payload,
                         const boost::asio::any_io_executor& executor) {
    add(Delivery{.target = std::move(target), .fanout = nullptr, .payload = std::move(payload)},
        executor);
}

void DeliveryInbox::pushFanout(std::shared_ptr<const Targets> targets, Payload payload,
                               const boost::asio::any_io_executor& executor) {
    add(Delivery{.target = nullptr, .fanout = std::move(targets), .payload = std::move(payload)},
        executor);
}

void DeliveryInbox::add(Delivery delivery, const boost::asio::any_io_executor& executor) {
    if (ThreadBatch& batch = threadBatch(); batch.depth > 0) {
        // A linear search: one entry per io thread this batch delivers to.
        auto collected = std::find_if(batch.collected.begin(), batch.collected.end(),
                                      [this](const Collected& c) { return c.inbox == this; });
        if (collected == batch.collected.end()) {
            std::vector<Delivery> deliveries;
            if (!batch.spare.empty()) {
                deliveries = std::move(batch.spare.back());
                batch.spare.pop_back();
            }
            collected = batch.collected.insert(batch.collected.end(),
                                               Collected{.inbox = this,
                                                         .executor = executor,
                                                         .deliveries = std::move(deliveries)});
        }
        collected->deliveries.push_back(std::move(delivery));
        return;
    }
    {
        const std::lock_guard lock{mutex_};
        pending_.push_back(std::move(delivery));
        if (!claimDrainLocked()) {
            return;
        }
    }
    boost::asio::post(executor, [this] { drain(); });
}

// A run of fan-outs to the same list (a busy channel's messages since the last drain) goes target
// by target: each target is locked once and takes the run's frames one after the other, instead
// of every target being visited again for every message. Each target still gets the frames in
// the order they came, and nothing else was queued for it between them.
void DeliveryInbox::handFanoutRun(std::span<const Delivery> run) {
    for (const std::weak_ptr<Target>& weak : *run.front().fanout) {
        if (const auto alive = weak.lock()) {
            for (const Delivery& delivery : run) {
                alive->deliverNow(delivery.payload);
            }
        }
    }
}

bool DeliveryInbox::claimDrainLocked() {
    if (drain_posted_) {
        return false;
    }
    drain_posted_ = true;
    return true;
}

void DeliveryInbox::pushAll(std::vector<Delivery>& deliveries,
                            const boost::asio::any_io_executor& executor) {
    {
        const std::lock_guard lock{mutex_};
        if (pending_.empty()) {
            pending_.swap(deliveries); // the batch's capacity goes to the io thread and back
        } else {
            std::move(deliveries.begin(), deliveries.end(), std::back_inserter(pending_));
            deliveries.clear();
        }
        if (!claimDrainLocked()) {
            return;
        }
    }
    boost::asio::post(executor, [this] { drain(); });
}

void DeliveryInbox::drain() {
    // The batch and pending_ trade places, each keeping its capacity (the batch's is kept in
    // spare_ between drains): a busy thread's batches cost no allocation once the vectors have
    // grown to them.
    std::vector<Delivery> batch = std::move(spare_);
    {
        const std::lock_guard lock{mutex_};
        batch.swap(pending_);
        drain_posted_ = false;
    }
    OutboxCork cork;
    for (std::size_t first = 0; first < batch.size();) {
        const Delivery& delivery = batch[first];
        if (delivery.target) {
            delivery.target->deliverNow(delivery.payload);
            ++first;
            continue;
        }
        std::size_t end = first + 1;
        while (end < batch.size() && batch[end].fanout == delivery.fanout) {
            ++end;
        }
        handFanoutRun(std::span{batch}.subspan(first, end - first));
        first = end;
    }
    batch.clear();
    spare_ = std::move(batch);
    cork.flush();
}

// The context is going away with its sessions: what waits here is dropped with them.
void DeliveryInbox::shutdown() {
    std::vector<Delivery> dropped;
    const std::lock_guard lock{mutex_};
    dropped.swap(pending_);
    spare_.clear();
}

} // namespace parley::server
