// What only the PostgreSQL revocation store has to show (the typed suite,
// revocation_store_test.cpp, covers the RevocationStore contract): its table comes with schema
// version 2, also to a database an older build made, and it fails while PostgreSQL is down and
// works again when it is back.

#include "postgres_environment.hpp"
#include "postgres_server.hpp"
#include "server/store/postgres_revocation_store.hpp"
#include "server/store/postgres_schema.hpp"
#include "server/store/postgres_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using parley::testing::PostgresEnvironment;
using namespace std::chrono_literals;

const token::UnixSeconds kNow{std::chrono::seconds{1'800'000'000}};
const Revocation kAlice{.kind = RevocationKind::kIdentity,
                        .value = "alice",
                        .revoked_at = kNow,
                        .lapses_at = kNow + 24h};

TEST(PostgresRevocationStore, AVersion1DatabaseGainsTheTableAndKeepsItsChannels) {
    auto& server = PostgresEnvironment::server();
    const std::string database = PostgresEnvironment::freshDatabaseName("parley_v1");
    server.createDatabase(database);
    {
        auto store = PostgresStore::open(server.url(database));
        ASSERT_TRUE(store) << store.error();
        ASSERT_TRUE((*store)->createChannel(NewChannel{
            .sid = "CH" + std::string(32, '1'), .unique_name = "kept", .created_by = "alice"}));
    }
    // What a build of schema version 1 left behind.
    server.execute(database, "DROP TABLE revocations; UPDATE parley_schema SET version = 1");

    auto revocations = PostgresRevocationStore::open(server.url(database));
    ASSERT_TRUE(revocations) << revocations.error();
    ASSERT_TRUE((*revocations)->save(kAlice));
    EXPECT_EQ(*(*revocations)->inForce(kNow), std::vector<Revocation>{kAlice});
    auto store = PostgresStore::open(server.url(database));
    ASSERT_TRUE(store) << store.error();
    EXPECT_TRUE((*store)->findChannel("kept")) << "the upgrade kept the data";
    EXPECT_NO_THROW(
        server.execute(database, "DO $$ BEGIN IF (SELECT version FROM parley_schema) <> " +
                                     std::to_string(kPostgresSchemaVersion) +
                                     " THEN RAISE 'version'; END IF; END $$"));
    server.dropDatabase(database);
}

TEST(PostgresRevocationStore, FailsWhilePostgresIsDownAndWorksWhenItIsBack) {
    parley::testing::PostgresServer postgres; // its own: stopping the shared one would disturb
    postgres.createDatabase("faults");
    std::atomic<int> errors{0};
    auto opened = PostgresRevocationStore::open(
        postgres.url("faults"), PostgresOptions{.on_error = [&](std::string_view) { ++errors; }});
    ASSERT_TRUE(opened) << opened.error();
    auto& store = **opened;

    postgres.stop();
    EXPECT_EQ(store.save(kAlice).error(), StoreError::kFailed);
    EXPECT_EQ(store.inForce(kNow).error(), StoreError::kFailed);
    EXPECT_EQ(errors.load(), 2) << "each failure is reported for the log";

    postgres.start();
    ASSERT_TRUE(store.save(kAlice));
    EXPECT_EQ(*store.inForce(kNow), std::vector<Revocation>{kAlice});
}

TEST(PostgresRevocationStore, RefusesAUrlThatIsNotPostgres) {
    const auto store = PostgresRevocationStore::open("mysql://127.0.0.1/chat");
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("postgresql://"), std::string::npos) << store.error();
}

} // namespace
} // namespace parley::server
