// What only the PostgreSQL store has to show (the typed suite covers the Store contract): several
// nodes appending to one channel at once, and the schema's creation and migration.

#include "postgres_environment.hpp"
#include "server/store/postgres_schema.hpp"
#include "server/store/postgres_store.hpp"
#include "store_suite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

namespace parley::server::testing {
namespace {

using parley::testing::PostgresEnvironment;
using namespace std::chrono_literals;

class PostgresStoreTest : public ::testing::Test {
protected:
    PostgresStoreTest() { server().createDatabase(database_); }
    ~PostgresStoreTest() override {
        try {
            server().dropDatabase(database_);
        } catch (const std::exception& error) {
            ADD_FAILURE() << error.what();
        }
    }

    static parley::testing::PostgresServer& server() { return PostgresEnvironment::server(); }

    std::unique_ptr<PostgresStore> open() {
        auto store = PostgresStore::open(server().url(database_));
        if (!store) {
            ADD_FAILURE() << store.error();
            return nullptr;
        }
        return std::move(*store);
    }

    std::string database_ = PostgresEnvironment::freshDatabaseName("parley_pg");
};

// Two stores stand for two nodes: each has its own pool, so 8 threads send on up to 8
// connections, and only the database orders them.
TEST_F(PostgresStoreTest, SendersOnSeveralNodesAndConnectionsGetEveryIndexOnce) {
    std::vector<std::unique_ptr<PostgresStore>> nodes;
    nodes.push_back(open());
    nodes.push_back(open());
    ASSERT_TRUE(nodes[0] && nodes[1]);
    const Channel channel =
        nodes[0]
            ->createChannel(
                NewChannel{.sid = makeTestSid("CH"), .unique_name = "busy", .created_by = "alice"})
            .value();

    constexpr int kThreadsPerNode = 4;
    constexpr int kPerThread = 40;
    std::vector<std::vector<std::int64_t>> seen(2 * kThreadsPerNode);
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> senders;
        for (std::size_t t = 0; t < seen.size(); ++t) {
            senders.emplace_back([&, t] {
                Store& node = *nodes[t % 2];
                for (int i = 0; i < kPerThread; ++i) {
                    const auto sent =
                        node.appendMessage(NewMessage{.sid = makeTestSid("IM"),
                                                      .channel_sid = channel.sid,
                                                      .author = "sender" + std::to_string(t),
                                                      .body = std::to_string(i)});
                    if (!sent) {
                        ++failures;
                        return;
                    }
                    seen[t].push_back(sent->index);
                }
            });
        }
    }
    ASSERT_EQ(failures.load(), 0);

    std::vector<std::int64_t> all;
    for (const auto& own : seen) {
        EXPECT_TRUE(std::ranges::is_sorted(own)) << "one sender's indexes went backwards";
        all.insert(all.end(), own.begin(), own.end());
    }
    std::ranges::sort(all);
    std::vector<std::int64_t> expected(seen.size() * kPerThread);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(all, expected);
    // Both nodes read the same history, each message where its index says.
    for (const auto& node : nodes) {
        const auto stored = node->history(channel.sid, {.limit = 1000}).value();
        EXPECT_EQ(indexesOf(stored), expected);
    }
}

// An administrator (or a failover) ends the store's sessions while they sit idle in its pool: the
// next calls notice before using them and open new ones, so none of them fails.
TEST_F(PostgresStoreTest, ConnectionsEndedByTheServerAreReplacedOnTheNextCall) {
    auto store = open();
    ASSERT_NE(store, nullptr);
    const Channel channel =
        store->createChannel(NewChannel{.sid = makeTestSid("CH"), .created_by = "alice"}).value();
    // The timeout argument makes each call wait until that backend has exited.
    server().execute(database_, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                                "WHERE application_name = 'parley' AND pid <> pg_backend_pid()");
    const auto sent = store->appendMessage(
        NewMessage{.sid = makeTestSid("IM"), .channel_sid = channel.sid, .author = "alice"});
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->index, 0);
    EXPECT_TRUE(store->reachable());
}

// A send stuck behind a lock (another session holding the channel's row) fails with kFailed once
// the statement timeout passes, instead of holding a store worker indefinitely.
TEST_F(PostgresStoreTest, ASendStuckOnALockFailsAtTheStatementTimeout) {
    auto opened =
        PostgresStore::open(server().url(database_), PostgresOptions{.statement_timeout = 300ms});
    ASSERT_TRUE(opened) << opened.error();
    PostgresStore& store = **opened;
    const Channel channel =
        store.createChannel(NewChannel{.sid = makeTestSid("CH"), .created_by = "alice"}).value();
    auto blocker = PgConnection::open({{"dbname", server().url(database_)}});
    ASSERT_TRUE(blocker) << blocker.error();
    ASSERT_TRUE(blocker->exec("BEGIN"));
    ASSERT_TRUE(blocker->run("SELECT 1 FROM channels WHERE sid = $1 FOR UPDATE", channel.sid));

    const auto message = [&] {
        return NewMessage{.sid = makeTestSid("IM"), .channel_sid = channel.sid, .author = "alice"};
    };
    EXPECT_EQ(store.appendMessage(message()).error(), StoreError::kFailed);
    ASSERT_TRUE(blocker->exec("ROLLBACK"));
    EXPECT_EQ(store.appendMessage(message()).value().index, 0) << "the failed send took no index";
}

TEST_F(PostgresStoreTest, CreatesTheSchemaInAnEmptyDatabase) {
    auto peer = PgConnection::open({{"dbname", server().url(database_)}});
    ASSERT_TRUE(peer) << peer.error();
    const auto exists = [&](const char* table) {
        auto found =
            peer->run("SELECT (to_regclass($1) IS NOT NULL)::int4", std::string_view{table});
        EXPECT_TRUE(found) << (found ? "" : found.error());
        return found && found->integer(0, 0) == 1; // results come back binary
    };
    ASSERT_FALSE(exists("channels")) << "the database is not empty before open";
    ASSERT_FALSE(exists("parley_schema"));
    ASSERT_NE(open(), nullptr);
    EXPECT_TRUE(exists("channels"));
    EXPECT_TRUE(exists("parley_schema"));
    server().execute(database_, "SELECT version FROM parley_schema");
    server().execute(database_, "SELECT seq, sid, next_index FROM channels");
    server().execute(database_, "SELECT channel, idx, body FROM messages");
    server().execute(database_, "SELECT channel, identity, joined_at FROM members");
    server().execute(database_, "SELECT kind, value, revoked_at, lapses_at FROM revocations");
}

TEST_F(PostgresStoreTest, OpeningAgainKeepsTheDataAndTheSchema) {
    Channel channel;
    {
        auto first = open();
        ASSERT_NE(first, nullptr);
        channel = first
                      ->createChannel(NewChannel{
                          .sid = makeTestSid("CH"), .unique_name = "kept", .created_by = "alice"})
                      .value();
        ASSERT_TRUE(first->appendMessage(
            NewMessage{.sid = makeTestSid("IM"), .channel_sid = channel.sid, .author = "alice"}));
    }
    auto again = open();
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->findChannel("kept")->sid, channel.sid);
    EXPECT_EQ(again->history(channel.sid, {})->size(), 1U);
    // One version row, still the current version.
    EXPECT_NO_THROW(server().execute(
        database_, "DO $$ BEGIN IF (SELECT COUNT(*) FROM parley_schema WHERE version = " +
                       std::to_string(kPostgresSchemaVersion) +
                       ") <> 1 THEN RAISE 'schema version row'; END IF; END $$"));
}

TEST_F(PostgresStoreTest, NodesStartingTogetherOnAnEmptyDatabaseAllSucceed) {
    std::vector<std::future<bool>> starts;
    for (int i = 0; i < 4; ++i) {
        starts.push_back(std::async(std::launch::async, [this] { return open() != nullptr; }));
    }
    for (auto& started : starts) {
        EXPECT_TRUE(started.get());
    }
}

TEST_F(PostgresStoreTest, RefusesASchemaNewerThanThisBuild) {
    ASSERT_NE(open(), nullptr);
    server().execute(database_, "UPDATE parley_schema SET version = 99");
    const auto store = PostgresStore::open(server().url(database_));
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("schema version 99"), std::string::npos) << store.error();
}

TEST_F(PostgresStoreTest, RefusesADatabaseThatIsNotUtf8) {
    const std::string latin = PostgresEnvironment::freshDatabaseName("parley_latin");
    server().execute("postgres", "CREATE DATABASE " + latin +
                                     " ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
                                     "TEMPLATE template0");
    const auto store = PostgresStore::open(server().url(latin));
    server().dropDatabase(latin);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("UTF8"), std::string::npos) << store.error();
}

TEST_F(PostgresStoreTest, ANameThatIsNoDatabaseFailsToOpenWithTheServersReason) {
    const auto store = PostgresStore::open(server().url("no_such_database"));
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("no_such_database"), std::string::npos) << store.error();
}

} // namespace
} // namespace parley::server::testing
