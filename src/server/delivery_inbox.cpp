#include "server/delivery_inbox.hpp"

#include "server/outbox_stream.hpp"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

#include <utility>

namespace parley::server {

DeliveryInbox::DeliveryInbox(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context) {}

DeliveryInbox& DeliveryInbox::of(const boost::asio::any_io_executor& executor) {
    return boost::asio::use_service<DeliveryInbox>(
        boost::asio::query(executor, boost::asio::execution::context));
}

void DeliveryInbox::push(std::shared_ptr<Target> target, Payload payload,
                         const boost::asio::any_io_executor& executor) {
    {
        const std::lock_guard lock{mutex_};
        pending_.push_back(Delivery{std::move(target), std::move(payload)});
        if (drain_posted_) {
            return;
        }
        drain_posted_ = true;
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
    for (const Delivery& delivery : batch) {
        delivery.target->deliverNow(delivery.payload);
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
