#include "server/store/sqlite_revocation_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

const token::UnixSeconds kNow{std::chrono::seconds{1'800'000'000}};

class SqliteRevocationStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = std::filesystem::temp_directory_path() / "parley-revocations-XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        directory_ = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    std::unique_ptr<SqliteRevocationStore> open() const {
        auto store = SqliteRevocationStore::openIn(directory_ / "data");
        EXPECT_TRUE(store) << (store ? "" : store.error());
        return store ? std::move(*store) : nullptr;
    }

    std::filesystem::path directory_;
};

Revocation revocation(RevocationKind kind, std::string value, std::chrono::seconds lasts) {
    return Revocation{
        .kind = kind, .value = std::move(value), .revoked_at = kNow, .lapses_at = kNow + lasts};
}

TEST_F(SqliteRevocationStoreTest, KeepsRevocationsAcrossARestart) {
    const Revocation identity = revocation(RevocationKind::kIdentity, "alice", 24h);
    const Revocation jti = revocation(RevocationKind::kTokenId, "jti-1", 10min);
    const Revocation key = revocation(RevocationKind::kApiKey, "SK" + std::string(32, 'a'), 24h);
    {
        auto store = open();
        ASSERT_TRUE(store->save(identity));
        ASSERT_TRUE(store->save(jti));
        ASSERT_TRUE(store->save(key));
    }
    auto reopened = open();
    const auto in_force = reopened->inForce(kNow);
    ASSERT_TRUE(in_force);
    EXPECT_EQ(in_force->size(), 3U);
    EXPECT_NE(std::ranges::find(*in_force, identity), in_force->end());
    EXPECT_NE(std::ranges::find(*in_force, jti), in_force->end());
    EXPECT_NE(std::ranges::find(*in_force, key), in_force->end());
    EXPECT_TRUE(std::filesystem::exists(directory_ / "data" / "revocations.db"));
}

TEST_F(SqliteRevocationStoreTest, DeletesWhatHasLapsed) {
    auto store = open();
    ASSERT_TRUE(store->save(revocation(RevocationKind::kTokenId, "jti-1", 10min)));
    ASSERT_TRUE(store->save(revocation(RevocationKind::kIdentity, "alice", 24h)));
    EXPECT_EQ(store->inForce(kNow + 10min - 1s)->size(), 2U);
    EXPECT_EQ(store->inForce(kNow + 10min)->size(), 1U);
    store.reset();
    EXPECT_EQ(open()->inForce(kNow)->size(), 1U) << "deleted, not only hidden";
}

TEST_F(SqliteRevocationStoreTest, TheSameNameAgainKeepsTheLaterTimes) {
    auto store = open();
    Revocation later = revocation(RevocationKind::kIdentity, "alice", 24h);
    later.revoked_at += 60s;
    later.lapses_at += 60s;
    ASSERT_TRUE(store->save(later));
    ASSERT_TRUE(store->save(revocation(RevocationKind::kIdentity, "alice", 24h)));
    EXPECT_EQ(*store->inForce(kNow), std::vector<Revocation>{later});
}

TEST_F(SqliteRevocationStoreTest, RefusesToOpenWhereNoDirectoryCanBeMade) {
    const auto file = directory_ / "plain-file";
    { std::ofstream{file} << "x"; }
    EXPECT_FALSE(SqliteRevocationStore::openIn(file / "data"));
}

} // namespace
} // namespace parley::server
