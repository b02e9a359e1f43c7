#pragma once

// The broker of several nodes: Redis pub/sub, through hiredis's async API on an io_context and
// a thread of the broker's own. One connection publishes, one subscribes (a subscribed Redis
// connection takes no other command). Subscribers are kept here; Redis is subscribed to a topic
// while at least one local subscriber wants it, and events are handed to the subscribers the
// topic has when they arrive, so unsubscribe() takes effect at once, whatever Redis still sends.
//
// Guarantees beyond Redis's own (which delivers at most once, in order per connection):
// - subscribe() takes effect before it returns for what this node publishes: a publish waits
//   until every SUBSCRIBE sent before it is confirmed, so it cannot overtake one (and while the
//   subscribing connection is down, publishes wait for it too). SUBSCRIBEs sent after it do not
//   hold it back (PublishOutbox).
// - While a connection is down, publishes wait in a bounded queue (oldest dropped beyond
//   kMaxQueuedPublishes) and both connections are retried every `reconnect_delay`. After the
//   subscribing connection comes back, every topic is subscribed again and then each subscriber
//   hears onBrokerGap for each of its topics: events of that outage are lost, the store has them.
// - Likewise when a new subscription is confirmed by Redis: what other nodes published between
//   subscribe() and that moment never reached this node, so its subscribers hear onBrokerGap.
//
// It also counts each identity's sessions across the nodes for the connection limit, on the
// publishing connection (RedisSessionCounts).
//
// Threading: subscribe, unsubscribe, publish, admitSession and releaseSession post to the broker's
// thread and never wait for Redis. Callbacks run on that one thread, so a subscriber's callbacks
// never overlap.

#include "server/broker/broker.hpp"
#include "server/broker/publish_outbox.hpp"
#include "server/broker/redis_session_counts.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace parley::server {

struct RedisOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::chrono::milliseconds reconnect_delay{200};
    /// The connection limit across nodes: this node's name, how long its sessions count after
    /// it stops refreshing them (killed), how long an admission waits for Redis.
    std::string node_id;
    std::chrono::milliseconds node_ttl{6000};
    std::chrono::milliseconds count_timeout{1000};
    /// Told of lost connections and undecodable events; never called with a lock held.
    std::function<void(std::string_view)> log;
};

class RedisBroker final : public Broker {
public:
    static constexpr std::size_t kMaxQueuedPublishes = 100'000;

    explicit RedisBroker(RedisOptions options);
    ~RedisBroker() override;
    RedisBroker(const RedisBroker&) = delete;
    RedisBroker& operator=(const RedisBroker&) = delete;

    void subscribe(std::string_view topic, BrokerSubscriber& subscriber) override;
    void unsubscribe(std::string_view topic, BrokerSubscriber& subscriber) override;
    void publish(std::string_view topic, ChannelEvent event) override;
    void shutdown() override;
    bool mayLoseEvents() const override { return true; }
    std::string health() const override;
    SessionSlot admitSession(std::string_view identity, std::size_t limit,
                             const std::function<void(bool admitted)>& done) override;
    void releaseSession(SessionSlot slot) override;

private:
    // Redis's side of a topic, on the broker thread: one SUBSCRIBE or UNSUBSCRIBE in flight at
    // a time, so replies always match what was asked.
    struct TopicState {
        bool subscribed = false;
        bool in_flight = false;
    };
    enum class Link { kPublish, kSubscribe };

    // Broker thread only.
    void connect(Link link);
    void retryLater(Link link);
    void onConnected(Link link);
    void onDisconnected(Link link);
    void reconcile(const std::string& topic);
    void onSubscriptionReply(redisReply* reply);
    void onSubscribed(const std::string& topic, bool subscribed);
    void flushPublishes();
    void announceGaps();
    /// Tells `topic`'s subscribers that events before now may have missed them.
    void announceGap(const std::string& topic);
    std::vector<BrokerSubscriber*> subscribersOf(std::string_view topic) const;
    void deliver(std::string_view topic, std::string_view bytes);
    void closeConnections();
    redisAsyncContext*& contextOf(Link link) { return link == Link::kPublish ? pub_ : sub_; }

    bool wanted(const std::string& topic) const;
    std::vector<std::string> wantedTopics() const;
    void log(std::string_view message) const;

    static void connectCallback(const redisAsyncContext* context, int status);
    static void disconnectCallback(const redisAsyncContext* context, int status);
    static void subscriptionCallback(redisAsyncContext* context, void* reply, void* data);

    RedisOptions options_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;

    // Any thread, under mutex_ (never held while a subscriber runs).
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<BrokerSubscriber*>, std::less<>> subscribers_;
    bool stopping_ = false;
    std::atomic<bool> pub_up_{false};
    std::atomic<bool> sub_up_{false};
    std::atomic<SessionSlot> next_slot_{1};

    // Broker thread only.
    redisAsyncContext* pub_ = nullptr;
    redisAsyncContext* sub_ = nullptr;
    bool sub_ready_ = false;
    bool pub_ready_ = false;
    bool gaps_pending_ = false; // the subscribing link came back: announce once resubscribed
    bool closing_ = false;
    std::uint64_t gap_mark_ = 0; // the SUBSCRIBEs to be confirmed before gaps are announced
    std::map<std::string, TopicState, std::less<>> topics_;
    PublishOutbox outbox_{kMaxQueuedPublishes};
    boost::asio::steady_timer pub_retry_;
    boost::asio::steady_timer sub_retry_;
    RedisSessionCounts counts_;

    std::mutex join_mutex_;
    std::thread thread_;
};

} // namespace parley::server
