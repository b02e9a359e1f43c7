// The typed RevocationStore conformance suite: every implementation keeps revocations across a
// reopen, deletes the lapsed ones, merges the same name by keeping the later times, and shows
// what one handle saved to another handle on the same data (as two nodes on one PostgreSQL
// database, or a node restarted on its revocations.db). server_unit_tests runs it on SQLite;
// postgres_store_tests (built with PARLEY_STORE_SUITE_POSTGRES) runs it on PostgreSQL.

#include "server/store/revocation_store.hpp"
#include "server/store/sqlite_revocation_store.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#ifdef PARLEY_STORE_SUITE_POSTGRES
#include "postgres_environment.hpp"
#include "server/store/postgres_revocation_store.hpp"
#endif

namespace parley::server::testing {
namespace {

using namespace std::chrono_literals;

const token::UnixSeconds kNow{std::chrono::seconds{1'800'000'000}};

template <typename Implementation> struct RevocationStoreTraits;

template <> struct RevocationStoreTraits<SqliteRevocationStore> {

    /// A handle on the test's store; every call opens the same data.
    std::unique_ptr<RevocationStore> open() const {
        auto store = SqliteRevocationStore::openIn(directory / "data");
        if (!store) {
            ADD_FAILURE() << store.error();
            return nullptr;
        }
        return std::move(*store);
    }
    static constexpr bool kShared = false;

    parley::testing::TempDirectory directory{"parley-revocations"};
};

#ifdef PARLEY_STORE_SUITE_POSTGRES
template <> struct RevocationStoreTraits<PostgresRevocationStore> {
    RevocationStoreTraits() { server().createDatabase(database); }
    ~RevocationStoreTraits() {
        try {
            server().dropDatabase(database);
        } catch (const std::exception& error) {
            ADD_FAILURE() << error.what();
        }
    }
    RevocationStoreTraits(const RevocationStoreTraits&) = delete;
    RevocationStoreTraits& operator=(const RevocationStoreTraits&) = delete;

    static parley::testing::PostgresServer& server() {
        return parley::testing::PostgresEnvironment::server();
    }
    std::unique_ptr<RevocationStore> open() const {
        auto store = PostgresRevocationStore::open(server().url(database));
        if (!store) {
            ADD_FAILURE() << store.error();
            return nullptr;
        }
        return std::move(*store);
    }
    static constexpr bool kShared = true;

    std::string database = parley::testing::PostgresEnvironment::freshDatabaseName("parley_rev");
};
using Implementations = ::testing::Types<PostgresRevocationStore>;
#else
using Implementations = ::testing::Types<SqliteRevocationStore>;
#endif

template <typename Implementation> class RevocationStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        store_ = traits_.open();
        ASSERT_NE(store_, nullptr);
    }
    RevocationStore& store() { return *store_; }

    RevocationStoreTraits<Implementation> traits_;
    std::unique_ptr<RevocationStore> store_;
};

TYPED_TEST_SUITE(RevocationStoreTest, Implementations);

Revocation revocation(RevocationKind kind, std::string value, std::chrono::seconds lasts) {
    return Revocation{
        .kind = kind, .value = std::move(value), .revoked_at = kNow, .lapses_at = kNow + lasts};
}

bool holds(const std::vector<Revocation>& revocations, const Revocation& wanted) {
    return std::ranges::find(revocations, wanted) != revocations.end();
}

TYPED_TEST(RevocationStoreTest, KeepsRevocationsOfEveryKindAcrossAReopen) {
    const Revocation identity = revocation(RevocationKind::kIdentity, "alice", 24h);
    const Revocation jti = revocation(RevocationKind::kTokenId, "jti-1", 10min);
    const Revocation key = revocation(RevocationKind::kApiKey, "SK" + std::string(32, 'a'), 24h);
    ASSERT_TRUE(this->store().save(identity));
    ASSERT_TRUE(this->store().save(jti));
    ASSERT_TRUE(this->store().save(key));
    this->store_.reset();
    const auto in_force = this->traits_.open()->inForce(kNow);
    ASSERT_TRUE(in_force);
    EXPECT_EQ(in_force->size(), 3U);
    EXPECT_TRUE(holds(*in_force, identity));
    EXPECT_TRUE(holds(*in_force, jti));
    EXPECT_TRUE(holds(*in_force, key));
}

TYPED_TEST(RevocationStoreTest, KeepsTheSameValueOfTwoKindsApart) {
    const Revocation identity = revocation(RevocationKind::kIdentity, "x", 24h);
    const Revocation jti = revocation(RevocationKind::kTokenId, "x", 10min);
    ASSERT_TRUE(this->store().save(identity));
    ASSERT_TRUE(this->store().save(jti));
    EXPECT_EQ(*this->store().inForce(kNow), (std::vector<Revocation>{identity, jti}))
        << "oldest first, then by kind and value";
}

TYPED_TEST(RevocationStoreTest, DeletesWhatHasLapsed) {
    ASSERT_TRUE(this->store().save(revocation(RevocationKind::kTokenId, "jti-1", 10min)));
    ASSERT_TRUE(this->store().save(revocation(RevocationKind::kIdentity, "alice", 24h)));
    EXPECT_EQ(this->store().inForce(kNow + 10min - 1s)->size(), 2U);
    EXPECT_EQ(this->store().inForce(kNow + 10min)->size(), 1U);
    this->store_.reset();
    EXPECT_EQ(this->traits_.open()->inForce(kNow)->size(), 1U) << "deleted, not only hidden";
}

TYPED_TEST(RevocationStoreTest, TheSameNameAgainKeepsTheLaterTimes) {
    Revocation later = revocation(RevocationKind::kIdentity, "alice", 24h);
    later.revoked_at += 60s;
    later.lapses_at += 60s;
    ASSERT_TRUE(this->store().save(later));
    ASSERT_TRUE(this->store().save(revocation(RevocationKind::kIdentity, "alice", 24h)));
    EXPECT_EQ(*this->store().inForce(kNow), std::vector<Revocation>{later});

    // Each time merged on its own: a later revocation that lapses sooner keeps the later lapse.
    Revocation jti = revocation(RevocationKind::kTokenId, "jti-1", 1h);
    ASSERT_TRUE(this->store().save(jti));
    Revocation again = jti;
    again.revoked_at += 10s;
    again.lapses_at -= 30min;
    ASSERT_TRUE(this->store().save(again));
    const Revocation merged{.kind = RevocationKind::kTokenId,
                            .value = "jti-1",
                            .revoked_at = again.revoked_at,
                            .lapses_at = jti.lapses_at};
    EXPECT_TRUE(holds(*this->store().inForce(kNow), merged));
}

TYPED_TEST(RevocationStoreTest, AnotherHandleSeesWhatOneSaved) {
    const auto other = this->traits_.open();
    ASSERT_NE(other, nullptr);
    const Revocation identity = revocation(RevocationKind::kIdentity, "alice", 24h);
    ASSERT_TRUE(this->store().save(identity));
    EXPECT_EQ(*other->inForce(kNow), std::vector<Revocation>{identity});
    EXPECT_EQ(other->sharedByNodes(), RevocationStoreTraits<TypeParam>::kShared);
}

TYPED_TEST(RevocationStoreTest, HandlesSavingTheSameNameAtOnceKeepTheLatest) {
    std::vector<std::unique_ptr<RevocationStore>> handles;
    for (int i = 0; i < 4; ++i) {
        handles.push_back(this->traits_.open());
        ASSERT_NE(handles.back(), nullptr);
    }
    std::vector<std::future<bool>> saves;
    for (std::size_t i = 0; i < handles.size(); ++i) {
        saves.push_back(std::async(std::launch::async, [&handles, i] {
            Revocation mine = revocation(RevocationKind::kIdentity, "alice", 24h);
            mine.revoked_at += std::chrono::seconds{i};
            mine.lapses_at += std::chrono::seconds{i};
            return handles[i]->save(mine).has_value();
        }));
    }
    for (auto& saved : saves) {
        EXPECT_TRUE(saved.get());
    }
    const auto in_force = this->store().inForce(kNow);
    ASSERT_EQ(in_force->size(), 1U);
    EXPECT_EQ(in_force->front().revoked_at, kNow + 3s);
    EXPECT_EQ(in_force->front().lapses_at, kNow + 24h + 3s);
}

} // namespace
} // namespace parley::server::testing
