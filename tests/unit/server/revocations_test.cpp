// Revocations across nodes: two nodes (each its own list, store, hub) share one broker, as nodes
// share Redis. A revocation made on one reaches the other, which puts it in force, saves it, and
// has its sessions re-check their tokens; a node started later loads what it saved.

#include "broker_barrier.hpp"
#include "server/revocations.hpp"
#include "server/store/sqlite_revocation_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

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
    Node(MemoryBroker& broker, const std::filesystem::path& data, const token::Clock& clock)
        : store(std::move(*SqliteRevocationStore::openIn(data))), hub(broker),
          revocations(list, *store, broker, hub, workers, clock) {
        EXPECT_TRUE(revocations.start());
    }
    ~Node() { workers.stop(); }
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
    void SetUp() override {
        std::string pattern = std::filesystem::temp_directory_path() / "parley-revoke-XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
    }
    void TearDown() override {
        broker_.shutdown();
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    std::filesystem::path directory_;
    token::ManualClock clock_{kStart};
    MemoryBroker broker_;
    BrokerBarrier barrier_{broker_};
};

const RevocableToken kAlicesToken{.identity = "alice",
                                  .token_id = "jti-1",
                                  .issuer = "SK" + std::string(32, 'a'),
                                  .issued_at = kStartSeconds - 10s};

TEST_F(RevocationsTest, ARevocationMadeOnOneNodeIsInForceOnEveryNode) {
    Node a{broker_, directory_ / "a", clock_};
    Node b{broker_, directory_ / "b", clock_};
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
    std::promise<void> saved;
    b.workers.post([&saved] { saved.set_value(); });
    ASSERT_EQ(saved.get_future().wait_for(10s), std::future_status::ready);
    EXPECT_EQ(*b.store->inForce(kStartSeconds), std::vector<Revocation>{*made})
        << "the other node saved it too, for its own restart";
}

TEST_F(RevocationsTest, ANodeLoadsTheSavedRevocationsInForceAtStart) {
    {
        Node a{broker_, directory_ / "a", clock_};
        ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kTokenId, .value = "jti-1"}));
        ASSERT_TRUE(
            a.revocations.revoke({.kind = RevocationKind::kTokenId,
                                  .value = "jti-2",
                                  .expires_at = (kStartSeconds + 60s).time_since_epoch().count()}));
        barrier_.settle();
    }
    clock_.set(kStart + 60s); // jti-2's token has expired: its revocation lapsed with it
    Node restarted{broker_, directory_ / "a", clock_};
    const auto in_force = restarted.revocations.inForce();
    ASSERT_EQ(in_force.size(), 1U);
    EXPECT_EQ(in_force[0].value, "jti-1");
    EXPECT_TRUE(restarted.list.covering(kAlicesToken, kStartSeconds + 60s));
}

TEST_F(RevocationsTest, AKnownRevocationDoesNotMakeSessionsRecheckAgain) {
    Node a{broker_, directory_ / "a", clock_};
    auto session = std::make_shared<CountingSink>();
    a.hub.track(session);
    ASSERT_TRUE(a.revocations.revoke({.kind = RevocationKind::kIdentity, .value = "alice"}));
    barrier_.settle();
    EXPECT_EQ(session->rechecks.load(), 1) << "once when made; its own echo is known already";
}

TEST_F(RevocationsTest, DropsAMalformedRevocationFromTheBroker) {
    Node a{broker_, directory_ / "a", clock_};
    broker_.publish(revocationTopic(),
                    ChannelEvent{.kind = ChannelEvent::Kind::kRevocation,
                                 .frame = std::make_shared<const std::string>("{\"jti\":")});
    barrier_.settle();
    EXPECT_TRUE(a.revocations.inForce().empty());
}

} // namespace
} // namespace parley::server
