#include "server/broker/redis_session_counts.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <random>
#include <vector>

namespace parley::server {

namespace {

constexpr std::string_view kCountPrefix = "parley:conns:";
constexpr std::string_view kLivePrefix = "parley:live:";
constexpr std::string_view kNodePrefix = "parley:node:";

// KEYS[1] the identity's hash; ARGV: the limit, the new session's field, the liveness prefix.
// Counts the fields of live incarnations (an incarnation's liveness looked up once), deletes the
// others, and adds the new field if the count is below the limit. 1 admitted, 0 refused.
constexpr std::string_view kAdmitScript = R"lua(
local live = {}
local count = 0
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  local incarnation = string.match(field, '^(.-):')
  if incarnation and live[incarnation] == nil then
    live[incarnation] = redis.call('EXISTS', ARGV[3] .. incarnation) == 1
  end
  if incarnation and live[incarnation] then
    count = count + 1
  else
    redis.call('HDEL', KEYS[1], field)
  end
end
if count >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[2], '1')
return 1
)lua";

// KEYS[1] the new incarnation's liveness key; KEYS[2], if given, the node's record of its
// incarnation. ARGV: the TTL in ms, this process's previous liveness key ('' if none). Whatever
// an earlier incarnation of the node left stops counting now.
constexpr std::string_view kRegisterScript = R"lua(
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if ARGV[2] ~= '' then
  redis.call('DEL', ARGV[2])
end
if KEYS[2] then
  local old = redis.call('GET', KEYS[2])
  if old and old ~= KEYS[1] then
    redis.call('DEL', old)
  end
  redis.call('SET', KEYS[2], KEYS[1])
end
return 1
)lua";

std::string randomIncarnation() {
    std::random_device random;
    const std::uint64_t value = (std::uint64_t{random()} << 32U) | random();
    constexpr std::string_view kHex = "0123456789abcdef";
    std::string name(16, '0');
    for (std::size_t i = 0; i < name.size(); ++i) {
        name[i] = kHex[(value >> (4 * i)) & 0xFU];
    }
    return name;
}

// Sends one command given as its arguments (binary-safe); false if hiredis refused it.
bool sendArgv(redisAsyncContext* context, const std::vector<std::string>& args,
              redisCallbackFn* callback, void* data) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return redisAsyncCommandArgv(context, callback, data, static_cast<int>(args.size()),
                                 argv.data(), lengths.data()) == REDIS_OK;
}

} // namespace

std::string sessionCountKey(std::string_view identity) {
    return std::string{kCountPrefix}.append(identity);
}

std::string livenessKey(std::string_view incarnation) {
    return std::string{kLivePrefix}.append(incarnation);
}

RedisSessionCounts::RedisSessionCounts(boost::asio::io_context& io, SessionCountOptions options)
    : io_(io), options_(std::move(options)), refresh_(io) {}

void RedisSessionCounts::onConnected(redisAsyncContext* context) {
    context_ = context;
    registerIncarnation();
    countAgain();
    scheduleRefresh();
}

void RedisSessionCounts::onDisconnected() {
    context_ = nullptr;
}

void RedisSessionCounts::close() {
    closed_ = true;
    refresh_.cancel();
    pending_.clear();
}

void RedisSessionCounts::registerIncarnation() {
    const std::string previous = incarnation_.empty() ? "" : livenessKey(incarnation_);
    incarnation_ = randomIncarnation();
    std::vector<std::string> args{"EVAL", std::string{kRegisterScript}, "1",
                                  livenessKey(incarnation_)};
    if (!options_.node_id.empty()) {
        args[2] = "2";
        args.push_back(std::string{kNodePrefix}.append(options_.node_id));
    }
    args.push_back(std::to_string(options_.ttl.count()));
    args.push_back(previous);
    sendArgv(context_, args, nullptr, nullptr);
}

// Every session admitted and not released, under the new incarnation: what the old one had in
// Redis no longer counts, and a release that could not be sent is not written again.
void RedisSessionCounts::countAgain() {
    for (const auto& [slot, identity] : counted_) {
        sendArgv(context_, {"HSET", sessionCountKey(identity), field(slot), "1"}, nullptr, nullptr);
    }
}

void RedisSessionCounts::scheduleRefresh() {
    refresh_.expires_after(options_.ttl / 3);
    refresh_.async_wait([this](const boost::system::error_code& error) {
        if (error || closed_) {
            return;
        }
        if (context_ != nullptr) {
            sendArgv(context_,
                     {"SET", livenessKey(incarnation_), "1", "PX",
                      std::to_string(options_.ttl.count()), "XX"},
                     refreshCallback, this);
        }
        scheduleRefresh();
    });
}

void RedisSessionCounts::refreshCallback(redisAsyncContext* /*context*/, void* reply, void* data) {
    auto* self = static_cast<RedisSessionCounts*>(data);
    if (reply != nullptr && !self->closed_) {
        self->onRefreshed(static_cast<redisReply*>(reply));
    }
}

// The key had expired (this thread stalled past the TTL, or someone deleted it): other nodes may
// have deleted this incarnation's fields meanwhile, so its sessions are written again.
void RedisSessionCounts::onRefreshed(redisReply* reply) {
    if (reply->type != REDIS_REPLY_NIL || context_ == nullptr) {
        return;
    }
    log("connection limit: this node's liveness key had lapsed; counting its sessions again");
    registerIncarnation();
    countAgain();
}

void RedisSessionCounts::admit(SessionSlot slot, std::string identity, std::size_t limit,
                               Done done) {
    if (closed_) {
        return;
    }
    auto& pending = pending_[slot];
    pending.identity = std::move(identity);
    pending.done = std::move(done);
    if (context_ == nullptr) {
        fallBack(slot, "Redis is unreachable");
        return;
    }
    auto request = std::make_unique<Request>(Request{.self = this, .slot = slot});
    if (!sendArgv(context_,
                  {"EVAL", std::string{kAdmitScript}, "1", sessionCountKey(pending.identity),
                   std::to_string(limit), field(slot), std::string{kLivePrefix}},
                  answerCallback, request.get())) {
        fallBack(slot, "Redis refused the command");
        return;
    }
    static_cast<void>(request.release()); // hiredis calls back once, with or without a reply
    pending.timer = std::make_unique<boost::asio::steady_timer>(io_, options_.timeout);
    pending.timer->async_wait([this, slot](const boost::system::error_code& error) {
        if (!error && pending_.contains(slot)) {
            // Counted like any other once Redis runs it: after the script, on the same link.
            if (context_ != nullptr) {
                sendArgv(context_,
                         {"HSET", sessionCountKey(pending_.at(slot).identity), field(slot), "1"},
                         nullptr, nullptr);
            }
            fallBack(slot, "Redis did not answer in time");
        }
    });
}

void RedisSessionCounts::answerCallback(redisAsyncContext* /*context*/, void* reply, void* data) {
    const std::unique_ptr<Request> request{static_cast<Request*>(data)};
    RedisSessionCounts* self = request->self;
    if (self->closed_ || !self->pending_.contains(request->slot)) {
        return; // shutting down, answered by the timeout already, or released
    }
    if (reply == nullptr) {
        // The link went: counted again under a new incarnation when it comes back.
        self->fallBack(request->slot, "the connection to Redis was lost");
        return;
    }
    self->onAnswer(request->slot, static_cast<redisReply*>(reply));
}

void RedisSessionCounts::onAnswer(SessionSlot slot, redisReply* reply) {
    if (reply->type != REDIS_REPLY_INTEGER) {
        const std::string error = reply->type == REDIS_REPLY_ERROR
                                      ? std::string{reply->str, reply->len}
                                      : std::string{"an unexpected reply"};
        fallBack(slot, "Redis answered " + error);
        return;
    }
    if (falling_back_) {
        falling_back_ = false;
        log("connection limit: Redis answers again; counting across nodes");
    }
    answer(slot, reply->integer == 1);
}

void RedisSessionCounts::fallBack(SessionSlot slot, std::string_view why) {
    if (!falling_back_) {
        falling_back_ = true;
        log("connection limit: " + std::string{why} +
            "; admitting on this node's own count until it answers");
    }
    answer(slot, true);
}

void RedisSessionCounts::answer(SessionSlot slot, bool admitted) {
    auto found = pending_.find(slot);
    Pending pending = std::move(found->second);
    pending_.erase(found);
    if (pending.timer) {
        pending.timer->cancel();
    }
    if (admitted) {
        counted_.emplace(slot, std::move(pending.identity));
    }
    pending.done(admitted);
}

void RedisSessionCounts::release(SessionSlot slot) {
    std::string identity;
    if (const auto pending = pending_.find(slot); pending != pending_.end()) {
        identity = std::move(pending->second.identity);
        if (pending->second.timer) {
            pending->second.timer->cancel();
        }
        pending_.erase(pending);
    } else if (const auto counted = counted_.find(slot); counted != counted_.end()) {
        identity = std::move(counted->second);
        counted_.erase(counted);
    } else {
        return;
    }
    // After an admission still in flight on the same link, so it undoes that one too.
    if (context_ != nullptr && !closed_) {
        sendArgv(context_, {"HDEL", sessionCountKey(identity), field(slot)}, nullptr, nullptr);
    }
}

std::string RedisSessionCounts::field(SessionSlot slot) const {
    return incarnation_ + ":" + std::to_string(slot);
}

void RedisSessionCounts::log(std::string_view message) const {
    if (options_.log) {
        options_.log(message);
    }
}

} // namespace parley::server
