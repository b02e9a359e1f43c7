#pragma once

// The per-identity connection limit across the nodes that share a Redis: RedisBroker's
// admitSession and releaseSession, on the broker's thread and its publishing connection.
//
// In Redis, each identity has a hash `parley:conns:IDENTITY` with one field per session,
// `INCARNATION:SLOT`. An incarnation is a random name a node takes each time it (re)connects;
// it counts while its liveness key `parley:live:INCARNATION` exists, which the node sets with a
// TTL (`ttl`) and refreshes every third of it. A session is admitted by one Lua script that
// counts the hash's fields of live incarnations (deleting the dead ones it meets) and adds the
// new field when the count is below the limit, atomically; it is released with HDEL.
//
// Why a field per session rather than a count per node: adding and deleting a named field is
// idempotent, so an answer lost with a connection or to the timeout never leaves a count off.
// Why incarnations: a node killed with kill -9 stops counting once its liveness key expires,
// whatever it left in the hashes. A node that comes back after losing Redis takes a new
// incarnation and writes its sessions again, so nothing it could not send while Redis was away
// (a release, an admission) is counted wrong; the old incarnation's liveness key is deleted. A
// node with a name (`node_id`) also records its incarnation in `parley:node:NAME`, so after a
// restart it deletes the liveness key of its previous life at once rather than after the TTL.
//
// While Redis is unreachable, or does not answer within `timeout`, a session is admitted on
// this node's own count (the caller checked it already), and counted in Redis when it comes
// back.

#include "server/broker/broker.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

struct redisAsyncContext;
struct redisReply;

namespace parley::server {

struct SessionCountOptions {
    /// Empty: no record of this node across restarts (its old counts expire after `ttl`).
    std::string node_id;
    /// How long a node's sessions count after its last refresh (it refreshes every ttl / 3).
    std::chrono::milliseconds ttl{6000};
    /// How long an admission waits for Redis before admitting on this node's count.
    std::chrono::milliseconds timeout{1000};
    std::function<void(std::string_view)> log;
};

class RedisSessionCounts {
public:
    using Done = std::function<void(bool admitted)>;

    RedisSessionCounts(boost::asio::io_context& io, SessionCountOptions options);
    RedisSessionCounts(const RedisSessionCounts&) = delete;
    RedisSessionCounts& operator=(const RedisSessionCounts&) = delete;

    // Broker thread only.
    /// The connection to use is up: a new incarnation, and every admitted session again.
    void onConnected(redisAsyncContext* context);
    /// It is gone (answers still pending come back empty from hiredis).
    void onDisconnected();
    void admit(SessionSlot slot, std::string identity, std::size_t limit, Done done);
    void release(SessionSlot slot);
    /// Shutting down: stops the refresh; pending answers are dropped.
    void close();

private:
    struct Pending {
        std::string identity;
        Done done;
        std::unique_ptr<boost::asio::steady_timer> timer;
    };
    struct Request {
        RedisSessionCounts* self;
        SessionSlot slot;
    };

    void registerIncarnation();
    void countAgain();
    void scheduleRefresh();
    void onRefreshed(redisReply* reply);
    void onAnswer(SessionSlot slot, redisReply* reply);
    void fallBack(SessionSlot slot, std::string_view why);
    void answer(SessionSlot slot, bool admitted);
    std::string field(SessionSlot slot) const;
    void log(std::string_view message) const;

    static void answerCallback(redisAsyncContext* context, void* reply, void* data);
    static void refreshCallback(redisAsyncContext* context, void* reply, void* data);

    boost::asio::io_context& io_;
    SessionCountOptions options_;
    redisAsyncContext* context_ = nullptr;
    std::string incarnation_;
    std::map<SessionSlot, std::string> counted_; // admitted and not released: slot -> identity
    std::map<SessionSlot, Pending> pending_;
    boost::asio::steady_timer refresh_;
    bool closed_ = false;
    bool falling_back_ = false; // said so in the log already
};

/// Where an identity's sessions are counted, and a live incarnation's key (for tests).
std::string sessionCountKey(std::string_view identity);
std::string livenessKey(std::string_view incarnation);

} // namespace parley::server
