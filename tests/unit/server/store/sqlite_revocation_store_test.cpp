// What only the SQLite revocation store has to show; the typed suite (revocation_store_test.cpp)
// covers the RevocationStore contract.

#include "server/store/sqlite_revocation_store.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

const token::UnixSeconds kNow{std::chrono::seconds{1'800'000'000}};

class SqliteRevocationStoreTest : public ::testing::Test {
protected:
    std::unique_ptr<SqliteRevocationStore> open() const {
        auto store = SqliteRevocationStore::openIn(directory_ / "data");
        EXPECT_TRUE(store) << (store ? "" : store.error());
        return store ? std::move(*store) : nullptr;
    }

    parley::testing::TempDirectory directory_{"parley-revocations"};
};

Revocation revocation(RevocationKind kind, std::string value, std::chrono::seconds lasts) {
    return Revocation{
        .kind = kind, .value = std::move(value), .revoked_at = kNow, .lapses_at = kNow + lasts};
}

TEST_F(SqliteRevocationStoreTest, KeepsItsOwnFileInTheDataDirectory) {
    auto store = open();
    ASSERT_TRUE(store->save(revocation(RevocationKind::kIdentity, "alice", 24h)));
    EXPECT_TRUE(std::filesystem::exists(directory_ / "data" / "revocations.db"));
    EXPECT_FALSE(store->sharedByNodes()) << "this node's alone";
}

TEST_F(SqliteRevocationStoreTest, RefusesToOpenWhereNoDirectoryCanBeMade) {
    const auto file = directory_ / "plain-file";
    { std::ofstream{file} << "x"; }
    EXPECT_FALSE(SqliteRevocationStore::openIn(file / "data"));
}

} // namespace
} // namespace parley::server
