#pragma once

// SessionCore on its own: the real chat service, store, broker and hub, with a manual clock and an
// in-memory socket (TestSession) that records what the core sends, how it closes and how often
// it asks for a frame.

#include "broker_barrier.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/hub.hpp"
#include "server/session_core.hpp"
#include "temp_sqlite_store.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/manual_scheduler.hpp>

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::server::testing_session {

using namespace std::chrono_literals;
using protocol::CloseCode;
using protocol::Json;

inline const token::ApiKey kKey{.sid = "SK" + std::string(32, 'a'),
                                .account_sid = "AC" + std::string(32, 'b'),
                                .secret = "session-core-test-secret"};
inline const token::TimePoint kStart{std::chrono::milliseconds{1'800'000'000'000}};
inline constexpr auto kWindow = 180s;

// The session's socket, in memory: what the core sends, how it closes, how often it reads.
class TestSession final : public SessionSink,
                          public SessionTransport,
                          public std::enable_shared_from_this<TestSession> {
public:
    TestSession(ServerContext& context, token::ManualScheduler& scheduler)
        : scheduler_(scheduler), core(context, scheduler, *this) {}

    void deliver(const Payload& payload) override {
        scheduler_.post([self = shared_from_this(), payload] { self->core.deliver(payload); });
    }
    void close(CloseCode code) override {
        scheduler_.post(
            [self = shared_from_this(), code] { self->core.close(code, CloseReason::kShutdown); });
    }
    void send(Payload frame) override { frames.push_back(Json::parse(*frame)); }
    void closeAfterQueued(CloseCode code) override { closed = code; }
    void readNext() override { ++reads; }

    std::vector<Json> events(std::string_view name) const {
        std::vector<Json> out;
        for (const Json& frame : frames) {
            if (frame.value("event", "") == name) {
                out.push_back(frame);
            }
        }
        return out;
    }

    token::ManualScheduler& scheduler_;
    SessionCore core;
    std::vector<Json> frames;
    std::optional<CloseCode> closed;
    int reads = 0;
};

class SessionCoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        chat_ = std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_);
        settings_.about_to_expire_window = kWindow;
        settings_.init_timeout = 10s;
        context_ = std::make_unique<ServerContext>(ServerContext{.settings = settings_,
                                                                 .tokens = tokens_,
                                                                 .chat = *chat_,
                                                                 .hub = hub_,
                                                                 .workers = workers_,
                                                                 .metrics = metrics_,
                                                                 .clock = clock_});
    }
    void TearDown() override {
        // No more store work or deliveries, then the tasks they posted (which hold sessions),
        // then the sessions: the scheduler must outlive every session that arms timers on it.
        workers_.stop();
        broker_.shutdown();
        scheduler_.runReady();
        sessions_.clear();
    }

    std::shared_ptr<TestSession> open() {
        auto session = std::make_shared<TestSession>(*context_, scheduler_);
        session->core.start(session);
        sessions_.push_back(session);
        return session;
    }

    std::string token(const std::string& identity, std::chrono::seconds ttl) const {
        auto minted = token::AccessTokenBuilder{kKey}
                          .identity(identity)
                          .ttl(ttl)
                          .minimumTtl(-86400s)
                          .chat(token::ChatGrant{})
                          .mint(clock_);
        EXPECT_TRUE(minted);
        return minted.value_or("");
    }

    /// Sends a request frame and runs the session until its reply (store work included) is in.
    Json request(TestSession& session, std::string_view op, Json args = Json::object()) {
        const std::uint64_t id = next_id_++;
        args["id"] = id;
        args["op"] = op;
        session.core.onFrame(args.dump());
        std::optional<Json> reply;
        scheduler_.runUntil(
            [&] {
                for (const Json& frame : session.frames) {
                    if (frame.value("reply_to", std::uint64_t{0}) == id) {
                        reply = frame;
                        return true;
                    }
                }
                return false;
            },
            10s);
        EXPECT_TRUE(reply.has_value()) << op << ": no reply";
        return reply.value_or(Json{});
    }

    Json init(TestSession& session, std::chrono::seconds ttl, const std::string& who = "alice") {
        const Json reply = request(session, "init", {{"token", token(who, ttl)}});
        EXPECT_EQ(reply.value("ok", false), true) << reply.dump();
        return reply;
    }

    static std::int64_t millis(token::TimePoint time) { return time.time_since_epoch().count(); }

    TempSqliteStore store_{"parley-session"};
    token::ManualClock clock_{kStart};
    token::ManualScheduler scheduler_{clock_};
    Metrics metrics_;
    TokenGate tokens_{{kKey}, token::VerifyPolicy{}, clock_, metrics_};
    MemoryBroker broker_;
    BrokerBarrier barrier_{broker_};
    Hub hub_{broker_};
    StoreWorkers workers_{2};
    std::unique_ptr<ChatService> chat_;
    SessionSettings settings_;
    std::unique_ptr<ServerContext> context_;
    std::vector<std::shared_ptr<TestSession>> sessions_;
    std::uint64_t next_id_ = 1;
};

// Runs a task on a store worker and waits for it: with the other worker held, every task posted
// to the pool before it has run by then.
inline void drainWorkers(StoreWorkers& workers) {
    std::promise<void> ran;
    workers.post([&ran] { ran.set_value(); });
    ran.get_future().wait();
}

// Returns once every task posted before on `key`'s strand (a channel's commits) has run.
inline void waitForStrand(StoreWorkers& workers, const std::string& key) {
    std::promise<void> ran;
    workers.postOrdered(key, [&ran] { ran.set_value(); });
    ran.get_future().wait();
}

// Returns once every task posted before in `key`'s lane (an identity's send checks) has run.
inline void waitForLane(StoreWorkers& workers, std::string_view key) {
    std::promise<void> ran;
    workers.postInLane(StoreWorkers::laneOf(key), [&ran] { ran.set_value(); });
    ran.get_future().wait();
}

} // namespace parley::server::testing_session
