// RedisBroker's two connections: connecting, retrying, and what a lost link means. Broker
// thread only.

#include "server/broker/asio_hiredis.hpp"
#include "server/broker/redis_broker.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <string_view>

namespace parley::server {

void RedisBroker::connect(Link link) {
    if (closing_) {
        return;
    }
    redisAsyncContext* context = redisAsyncConnect(options_.host.c_str(), options_.port);
    if (context == nullptr || context->err != 0) {
        log("redis broker: cannot connect to " + options_.host + ":" +
            std::to_string(options_.port) + ": " +
            (context != nullptr ? context->errstr : "out of memory"));
        if (context != nullptr) {
            redisAsyncFree(context);
        }
        retryLater(link);
        return;
    }
    context->data = this;
    attachToAsio(context, io_);
    contextOf(link) = context;
    // After attaching: setting the callback asks for the first write readiness (the connect).
    redisAsyncSetConnectCallback(context, connectCallback);
    redisAsyncSetDisconnectCallback(context, disconnectCallback);
}

void RedisBroker::retryLater(Link link) {
    if (closing_) {
        return;
    }
    auto& timer = link == Link::kPublish ? pub_retry_ : sub_retry_;
    timer.expires_after(options_.reconnect_delay);
    timer.async_wait([this, link](const boost::system::error_code& error) {
        if (!error) {
            connect(link);
        }
    });
}

void RedisBroker::connectCallback(const redisAsyncContext* context, int status) {
    auto* self = static_cast<RedisBroker*>(context->data);
    const Link link = context == self->pub_ ? Link::kPublish : Link::kSubscribe;
    if (context != self->contextOf(link)) {
        return;
    }
    if (status != REDIS_OK) {
        // hiredis frees the context after this returns.
        self->log("redis broker: cannot connect to " + self->options_.host + ":" +
                  std::to_string(self->options_.port) + ": " + context->errstr);
        self->contextOf(link) = nullptr;
        self->retryLater(link);
        return;
    }
    self->onConnected(link);
}

void RedisBroker::disconnectCallback(const redisAsyncContext* context, int /*status*/) {
    auto* self = static_cast<RedisBroker*>(context->data);
    if (self->closing_) {
        return;
    }
    if (context == self->pub_) {
        self->onDisconnected(Link::kPublish);
    } else if (context == self->sub_) {
        self->onDisconnected(Link::kSubscribe);
    }
}

void RedisBroker::onConnected(Link link) {
    if (link == Link::kPublish) {
        pub_ready_ = true;
        pub_up_ = true;
        counts_.onConnected(pub_);
        flushPublishes();
        return;
    }
    sub_ready_ = true;
    sub_up_ = true;
    topics_.clear();
    outbox_.subscribesLost();
    for (const std::string& topic : wantedTopics()) {
        reconcile(topic);
    }
    // What was queued while the link was down waits for every topic to be subscribed again,
    // and so do the gaps: announced once an event can no longer slip between.
    outbox_.waitForAllSent();
    gap_mark_ = outbox_.sentMark();
    if (outbox_.confirmedUpTo(gap_mark_)) {
        announceGaps();
    }
    flushPublishes();
}

// hiredis frees the context after this returns; what it had in flight is lost.
void RedisBroker::onDisconnected(Link link) {
    log(std::string{"redis broker: lost the "} +
        (link == Link::kPublish ? "publishing" : "subscribing") + " connection; reconnecting");
    contextOf(link) = nullptr;
    if (link == Link::kPublish) {
        pub_ready_ = false;
        pub_up_ = false;
        counts_.onDisconnected();
    } else {
        sub_ready_ = false;
        sub_up_ = false;
        topics_.clear();
        outbox_.subscribesLost();
        gaps_pending_ = true; // whatever was published meanwhile never reaches this node
    }
    retryLater(link);
}

void RedisBroker::subscriptionCallback(redisAsyncContext* context, void* reply, void* data) {
    auto* self = static_cast<RedisBroker*>(data);
    if (reply == nullptr || self->closing_ || context != self->sub_) {
        return; // the link is going: its replies are moot
    }
    self->onSubscriptionReply(static_cast<redisReply*>(reply));
}

void RedisBroker::onSubscriptionReply(redisReply* reply) {
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING) {
        return;
    }
    const std::string_view kind{reply->element[0]->str, reply->element[0]->len};
    const std::string topic{reply->element[1]->str, reply->element[1]->len};
    if (kind == "message" && reply->element[2]->type == REDIS_REPLY_STRING) {
        deliver(topic, std::string_view{reply->element[2]->str, reply->element[2]->len});
    } else if (kind == "subscribe" || kind == "unsubscribe") {
        onSubscribed(topic, kind == "subscribe");
    }
}

void RedisBroker::closeConnections() {
    closing_ = true;
    counts_.close(); // before the links go: their pending answers are dropped
    pub_retry_.cancel();
    sub_retry_.cancel();
    for (const Link link : {Link::kPublish, Link::kSubscribe}) {
        if (redisAsyncContext* context = contextOf(link)) {
            contextOf(link) = nullptr;
            redisAsyncFree(context);
        }
    }
    pub_up_ = false;
    sub_up_ = false;
}

} // namespace parley::server
