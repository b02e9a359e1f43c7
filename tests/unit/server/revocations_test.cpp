// Revocations across nodes: two nodes (each its own list, store, hub) share one broker, as nodes
// share Redis. A revocation made on one reaches the other, which puts it in force, saves it, and
// has its sessions re-check their tokens; a node started later loads what it saved. Nodes that
// share a store but not a broker (or whose broker lost the event) learn it from the store: on
// the reload timer, and when the broker reports a gap.

#include "broker_barrier.hpp"
#include "server/revocations.hpp"
#include "server/store/sqlite_revocation_store.hpp"
#include "temp_directory.hpp"
#include "wait_until.hpp"

#include <parley/token/manual_scheduler.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

const token::TimePoint kStart{std::chrono::milliseconds{1'800'000'000'250}};
const token::UnixSeconds kStartSeconds = std::chrono::floor<std::chrono::seconds>(kStart);

// A session that only counts how often it was asked to re-check its token.
class CountingSink final : public SessionSink {
public:
    void deliver(const Payload& /*payload*/) override {}
    void close(protocol::CloseCode /*code*/) override {}
    void recheckRevocation() override { ++rechecks; }
    std::atomic<int> rechecks{0};
};

struct Node {
    Node(MemoryBroker& broker, const std::filesystem::path& data, token::Scheduler& scheduler,
         RevocationsOptions options = {})
        : store(std::move(*SqliteRevocationStore::openIn(data))), hub(broker),
          revocations(list, *store, broker, hub, workers, scheduler, options) {
        EXPECT_TRUE(revocations.start());
    }
    ~Node() { workers.stop(); }

    /// Waits until this node's store worker has run what was posted to it so far.
    void drainWorkers() {
        std::promise<void> drained;
        workers.post([&drained] { drained.set_value(); });
        ASSERT_EQ(drained.get_future().wait_for(10s), std::future_status::ready);
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    RevocationList list;
    std::unique_ptr<SqliteRevocationStore> store;
    Hub hub;
    StoreWorkers workers{1}; // one thread: its tasks run in posting order
    Revocations revocations;
};

class RevocationsTest : public ::testing::Test {
protected:
    void TearDown() override { broker_.shutdown(); }

    parley::testing::TempDirectory directory_{"parley-revoke"};
    token::ManualClock clock_{kStart};
    token::ManualScheduler scheduler_{clock_};
    MemoryBroker broker_;
    BrokerBarrier barrier_{broker_};
};

const RevocableToken kAlicesToken{.identity = "alice",
                                  .token_id = "jti-1",
                                  .issuer = "SK" + std::string(32, 'a'),
                                  .issued_at = kStartSeconds - 10s};

TEST_F(RevocationsTest, ARevocationMadeOnOneNodeIsInForceOnEveryNode) {
    Node a{broker_, directory_ / "a", scheduler_};
    Node b{broker_, directory_ / "b", scheduler_};
    auto session_on_b = std::make_shared<CountingSink>();
    b.hub.track(session_on_b);

    const auto made = a.revocations.revoke({.kind = RevocationKind::kIdentity, .value = "alice"});
    ASSERT_TRUE(made);
    EXPECT_EQ(made->revoked_at, kStartSeconds);
    EXPECT_TRUE(a.list.covering(kAlicesToken, kStartSeconds)) << "in force where it was made";
    barrier_.settle();
    EXPECT_TRUE(b.list.covering(kAlicesToken, kStartSeconds)) << "and on the other node";
    EXPECT_EQ(session_on_b->rechecks.load(), 1) << "whose sessions re-check their tokens";
    EXPECT_EQ(b.revocations.inForce(), std::vector<Revocation>{*made});

    barrier_.settle(); // the echo of a's own publish changed nothing there
    // b saves on its store worker, posted while the broker delivered: its single thread runs
    // this task after that save.
    b.drainWorkers();
    EXPECT_EQ(*b.store->inForce(kStartSeconds), std::vector<Revocation>{*made})
        << "the other node saved it too, for its own restart";
}

TEST_F(RevocationsTest, ANodeLoadsTheSavedRevocationsInForceAtStart) {
    {
        Node a{broker_, directory_ / "a", scheduler_};
        ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kTokenId, .value = "jti-1"}));
        ASSERT_TRUE(
            a.revocations.revoke({.kind = RevocationKind::kTokenId,
                                  .value = "jti-2",
                                  .expires_at = (kStartSeconds + 60s).time_since_epoch().count()}));
        barrier_.settle();
    }
    clock_.set(kStart + 60s); // jti-2's token has expired: its revocation lapsed with it
    Node restarted{broker_, directory_ / "a", scheduler_};
    const auto in_force = restarted.revocations.inForce();
    ASSERT_EQ(in_force.size(), 1U);
    EXPECT_EQ(in_force[0].value, "jti-1");
    EXPECT_TRUE(restarted.list.covering(kAlicesToken, kStartSeconds + 60s));
}

TEST_F(RevocationsTest, AKnownRevocationDoesNotMakeSessionsRecheckAgain) {
    Node a{broker_, directory_ / "a", scheduler_};
    auto session = std::make_shared<CountingSink>();
    a.hub.track(session);
    ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kIdentity, .value = "alice"}));
    barrier_.settle();
    EXPECT_EQ(session->rechecks.load(), 1) << "once when made; its own echo is known already";
}

TEST_F(RevocationsTest, DropsAMalformedRevocationFromTheBroker) {
    Node a{broker_, directory_ / "a", scheduler_};
    broker_.publish(revocationTopic(),
                    ChannelEvent{.kind = ChannelEvent::Kind::kRevocation,
                                 .frame = std::make_shared<const std::string>("{\"jti\":")});
    barrier_.settle();
    EXPECT_TRUE(a.revocations.inForce().empty());
}

// Two nodes on one revocations file and no broker between them stand for nodes on one PostgreSQL
// whose broker lost the event (the PostgreSQL store runs these paths end to end in the
// integration tests, SharedRevocations.*).
TEST_F(RevocationsTest, ARevocationTheBrokerDidNotBringIsReadFromTheStoreOnTheTimer) {
    MemoryBroker other_broker;
    const RevocationsOptions every_second{.reload_interval = 1s};
    Node a{broker_, directory_ / "shared", scheduler_, every_second};
    Node b{other_broker, directory_ / "shared", scheduler_, every_second};
    auto session_on_b = std::make_shared<CountingSink>();
    b.hub.track(session_on_b);

    ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kIdentity, .value = "alice"}));
    scheduler_.advance(999ms);
    b.drainWorkers();
    EXPECT_FALSE(b.list.covering(kAlicesToken, kStartSeconds)) << "not read before the interval";

    scheduler_.advance(1ms);
    ASSERT_TRUE(parley::testing::waitUntil([&] { return session_on_b->rechecks.load() == 1; }, 10s))
        << "b read it on its timer and its sessions re-checked their tokens";
    EXPECT_TRUE(b.list.covering(kAlicesToken, kStartSeconds));

    scheduler_.advance(1s); // read again: known already, nothing to re-check
    b.drainWorkers();
    a.drainWorkers();
    EXPECT_EQ(session_on_b->rechecks.load(), 1);
    EXPECT_EQ(scheduler_.pendingTimers(), 2U) << "each node's timer armed again";
}

TEST_F(RevocationsTest, ABrokerGapOnTheRevocationTopicReadsTheStoreAgain) {
    MemoryBroker other_broker;
    Node a{broker_, directory_ / "shared", scheduler_};
    Node b{other_broker, directory_ / "shared", scheduler_};
    EXPECT_EQ(scheduler_.pendingTimers(), 0U) << "no interval, no timer";
    ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kTokenId, .value = "jti-1"}));

    b.revocations.onBrokerGap(channelTopic("CH" + std::string(32, '0')));
    b.drainWorkers();
    EXPECT_FALSE(b.list.covering(kAlicesToken, kStartSeconds)) << "a channel's gap is not ours";

    b.revocations.onBrokerGap(revocationTopic());
    b.drainWorkers(); // one worker thread: the reload the gap posted has run
    EXPECT_TRUE(b.list.covering(kAlicesToken, kStartSeconds));
}

TEST_F(RevocationsTest, AReloadOfKnownRevocationsLearnsNothing) {
    Node a{broker_, directory_ / "a", scheduler_};
    auto session = std::make_shared<CountingSink>();
    a.hub.track(session);
    ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kIdentity, .value = "alice"}));
    barrier_.settle();
    EXPECT_EQ(a.revocations.reload(), 0U);
    EXPECT_EQ(session->rechecks.load(), 1);
}

} // namespace
} // namespace parley::server
