#include "server/broker/redis_broker.hpp"

#include "server/broker/asio_hiredis.hpp"
#include "server/broker/redis_codec.hpp"
#include "server/thread_policy.hpp"

#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>

namespace parley::server {

RedisBroker::RedisBroker(RedisOptions options)
    : options_(std::move(options)), work_(io_.get_executor()), pub_retry_(io_), sub_retry_(io_),
      counts_(io_, SessionCountOptions{.node_id = options_.node_id,
                                       .ttl = options_.node_ttl,
                                       .timeout = options_.count_timeout,
                                       .log = options_.log}) {
    boost::asio::post(io_, [this] {
        connect(Link::kPublish);
        connect(Link::kSubscribe);
    });
    thread_ = std::thread{[this] {
        runAsBackgroundThread(); // the io threads go first (thread_policy.hpp)
        io_.run();
    }};
}

RedisBroker::~RedisBroker() {
    shutdown();
}

void RedisBroker::subscribe(std::string_view topic, BrokerSubscriber& subscriber) {
    const std::lock_guard lock{mutex_};
    if (stopping_) {
        return;
    }
    auto& list = subscribers_[std::string{topic}];
    if (std::find(list.begin(), list.end(), &subscriber) != list.end()) {
        return;
    }
    list.push_back(&subscriber);
    if (list.size() == 1) {
        boost::asio::post(io_, [this, name = std::string{topic}] { reconcile(name); });
    }
}

void RedisBroker::unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) {
    const std::lock_guard lock{mutex_};
    const auto found = subscribers_.find(topic);
    if (found == subscribers_.end()) {
        return;
    }
    std::erase(found->second, &subscriber);
    if (found->second.empty()) {
        subscribers_.erase(found);
        if (!stopping_) {
            boost::asio::post(io_, [this, name = std::string{topic}] { reconcile(name); });
        }
    }
}

void RedisBroker::publish(std::string_view topic, ChannelEvent event) {
    std::string bytes = encodeEvent(event);
    const std::lock_guard lock{mutex_};
    if (stopping_) {
        return;
    }
    boost::asio::post(io_, [this, name = std::string{topic}, bytes = std::move(bytes)]() mutable {
        outbox_.push(std::move(name), std::move(bytes));
        flushPublishes();
    });
}

SessionSlot RedisBroker::admitSession(std::string_view identity, std::size_t limit,
                                      const std::function<void(bool admitted)>& done) {
    const SessionSlot slot = next_slot_++;
    const std::lock_guard lock{mutex_};
    if (!stopping_) {
        boost::asio::post(io_,
                          [this, slot, name = std::string{identity}, limit, done = done]() mutable {
                              counts_.admit(slot, std::move(name), limit, std::move(done));
                          });
    }
    return slot;
}

void RedisBroker::releaseSession(SessionSlot slot) {
    const std::lock_guard lock{mutex_};
    if (!stopping_) {
        boost::asio::post(io_, [this, slot] { counts_.release(slot); });
    }
}

void RedisBroker::shutdown() {
    {
        const std::lock_guard lock{mutex_};
        if (!stopping_) {
            stopping_ = true;
            boost::asio::post(io_, [this] {
                closeConnections();
                work_.reset();
                io_.stop();
            });
        }
    }
    // From a callback (the broker thread) it cannot wait for itself; the destructor will.
    if (std::this_thread::get_id() == thread_.get_id()) {
        return;
    }
    const std::lock_guard lock{join_mutex_};
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::string RedisBroker::health() const {
    const bool pub = pub_up_.load();
    const bool sub = sub_up_.load();
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    if (pub && sub) {
        return "redis " + where + " connected";
    }
    return "redis " + where + " unreachable";
}

bool RedisBroker::wanted(const std::string& topic) const {
    const std::lock_guard lock{mutex_};
    return subscribers_.contains(topic);
}

std::vector<std::string> RedisBroker::wantedTopics() const {
    const std::lock_guard lock{mutex_};
    std::vector<std::string> topics;
    topics.reserve(subscribers_.size());
    for (const auto& [topic, list] : subscribers_) {
        topics.push_back(topic);
    }
    return topics;
}

void RedisBroker::log(std::string_view message) const {
    if (options_.log) {
        options_.log(message);
    }
}

// The gate of publishes: a publish never overtakes a SUBSCRIBE sent before it, nor goes out
// while the subscribing link is down (this node's subscribers would miss it). Both links go
// down together when Redis does, so other nodes seldom wait for this.
void RedisBroker::flushPublishes() {
    while (pub_ready_ && sub_ready_) {
        const PublishOutbox::Entry* head = outbox_.ready();
        if (head == nullptr) {
            return;
        }
        if (redisAsyncCommand(pub_, nullptr, nullptr, "PUBLISH %b %b", head->topic.data(),
                              head->topic.size(), head->bytes.data(),
                              head->bytes.size()) != REDIS_OK) {
            return; // the link is going down: retried after reconnecting
        }
        outbox_.pop();
    }
}

void RedisBroker::reconcile(const std::string& topic) {
    if (!sub_ready_) {
        return; // subscribed again on connecting
    }
    TopicState& state = topics_[topic];
    const bool want = wanted(topic);
    if (state.in_flight || want == state.subscribed) {
        if (!state.in_flight && !want) {
            topics_.erase(topic);
        }
        return;
    }
    const char* command = want ? "SUBSCRIBE %b" : "UNSUBSCRIBE %b";
    if (redisAsyncCommand(sub_, subscriptionCallback, this, command, topic.data(), topic.size()) !=
        REDIS_OK) {
        return;
    }
    state.in_flight = true;
    if (want) {
        outbox_.subscribeSent();
    }
}

void RedisBroker::onSubscribed(const std::string& topic, bool subscribed) {
    if (subscribed) {
        outbox_.subscribeConfirmed(); // one reply per SUBSCRIBE sent, in order
    }
    const auto found = topics_.find(topic);
    if (found == topics_.end() || !found->second.in_flight) {
        return;
    }
    found->second.in_flight = false;
    found->second.subscribed = subscribed;
    reconcile(topic);
    const bool resubscribing = gaps_pending_; // the round announces every topic's gap itself
    if (outbox_.confirmedUpTo(gap_mark_)) {
        announceGaps();
    }
    if (subscribed && !resubscribing) {
        announceGap(topic);
    }
    flushPublishes();
}

// A subscription took effect only now: what other nodes published between the subscriber's
// subscribe() and this confirmation never reached it (a hub that read a channel's newest index
// before subscribing would otherwise deliver such a message only when the next one shows the jump).
// After a reconnection every topic's gap is announced at once instead (announceGaps).
void RedisBroker::announceGap(const std::string& topic) {
    for (BrokerSubscriber* subscriber : subscribersOf(topic)) {
        subscriber->onBrokerGap(topic);
    }
}

// A copy: the callbacks run without the lock, and may subscribe or unsubscribe.
std::vector<BrokerSubscriber*> RedisBroker::subscribersOf(std::string_view topic) const {
    const std::lock_guard lock{mutex_};
    const auto found = subscribers_.find(topic);
    if (stopping_ || found == subscribers_.end()) {
        return {};
    }
    return found->second;
}

void RedisBroker::announceGaps() {
    if (!gaps_pending_) {
        return;
    }
    gaps_pending_ = false;
    for (const std::string& topic : wantedTopics()) {
        announceGap(topic);
    }
}

void RedisBroker::deliver(std::string_view topic, std::string_view bytes) {
    auto event = decodeEvent(bytes);
    if (!event) {
        log("redis broker: dropped an event on " + std::string{topic} + ": " +
            std::string{describe(event.error())});
        return;
    }
    for (BrokerSubscriber* subscriber : subscribersOf(topic)) {
        {
            // Still subscribed? It may have unsubscribed while an earlier target ran.
            const std::lock_guard lock{mutex_};
            const auto found = subscribers_.find(topic);
            if (stopping_ || found == subscribers_.end() ||
                std::find(found->second.begin(), found->second.end(), subscriber) ==
                    found->second.end()) {
                continue;
            }
        }
        subscriber->onBrokerEvent(topic, *event);
    }
}

} // namespace parley::server
