#include "server/store/sqlite_connection.hpp"
#include "server/store/sqlite_schema.hpp"
#include "server/store/sqlite_store.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

class SqliteStoreTest : public ::testing::Test {
protected:
    /// A second, independent connection to the same file, as the sqlite3 shell would have.
    SqliteConnection rawConnection() const { return SqliteConnection::open(file_).value(); }

    std::string pragma(const char* sql) const {
        SqliteConnection raw = rawConnection();
        SqliteStatement query = raw.prepare(sql).value();
        EXPECT_EQ(query.step(), StepResult::kRow) << sql;
        return query.columnText(0);
    }

    parley::testing::TempDirectory directory_{"parley-sqlite"};
    std::filesystem::path file_ = directory_ / "parley.db";
};

TEST_F(SqliteStoreTest, OpensTheFileInWalModeWithTheSchemaVersion) {
    const auto store = SqliteStore::open(file_);
    ASSERT_TRUE(store) << store.error();
    EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragma("PRAGMA user_version"), std::to_string(kSqliteSchemaVersion));
}

TEST_F(SqliteStoreTest, ReopensAnExistingFileWithoutRecreatingTheSchema) {
    ASSERT_TRUE(SqliteStore::open(file_));
    const auto again = SqliteStore::open(file_);
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(pragma("PRAGMA user_version"), std::to_string(kSqliteSchemaVersion));
}

TEST_F(SqliteStoreTest, OpeningInAMissingDirectoryReturnsTheReasonWithoutThrowing) {
    const std::filesystem::path missing = directory_ / "no" / "such" / "dir" / "parley.db";
    std::expected<std::unique_ptr<SqliteStore>, std::string> store;
    EXPECT_NO_THROW(store = SqliteStore::open(missing));
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find(missing.string()), std::string::npos) << store.error();
    EXPECT_FALSE(std::filesystem::exists(missing.parent_path()));
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
    std::ofstream{file_} << "this is not a database, just some text long enough to have a header";
    const auto store = SqliteStore::open(file_);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("not a database"), std::string::npos) << store.error();
}

TEST_F(SqliteStoreTest, RefusesASchemaNewerThanThisBuild) {
    ASSERT_TRUE(rawConnection().execute("PRAGMA user_version = 99"));
    const auto store = SqliteStore::open(file_);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().find("schema version 99"), std::string::npos) << store.error();
}

TEST_F(SqliteStoreTest, WorksWithSynchronousFull) {
    auto store = SqliteStore::open(file_, {.synchronous = SqliteSynchronous::kFull});
    ASSERT_TRUE(store) << store.error();
    const auto channel = (*store)->createChannel(
        {.sid = "CH00000000000000000000000000000001", .unique_name = "g", .created_by = "alice"});
    ASSERT_TRUE(channel);
    EXPECT_EQ((*store)->appendMessage({.sid = "IM1", .channel_sid = channel->sid})->index, 0);
}

TEST_F(SqliteStoreTest, ALockedDatabaseFailsWithoutEffectAndReportsTheCause) {
    std::vector<std::string> reported;
    auto opened =
        SqliteStore::open(file_, {.busy_timeout = 10ms, .on_error = [&](std::string_view message) {
                                      reported.emplace_back(message);
                                  }});
    ASSERT_TRUE(opened) << opened.error();
    SqliteStore& store = **opened;
    const Channel channel =
        store.createChannel({.sid = "CH1", .unique_name = "g", .created_by = "alice"}).value();

    SqliteConnection other = rawConnection();
    ASSERT_TRUE(other.begin()); // BEGIN IMMEDIATE: holds the write lock
    EXPECT_EQ(store.appendMessage({.sid = "IM1", .channel_sid = channel.sid}).error(),
              StoreError::kFailed);
    EXPECT_EQ(store.addMember(channel.sid, "bob", {}).error(), StoreError::kFailed);
    EXPECT_EQ(store.createChannel({.sid = "CH2", .unique_name = "h"}).error(), StoreError::kFailed);
    ASSERT_EQ(reported.size(), 3U);
    EXPECT_NE(reported.front().find("locked"), std::string::npos) << reported.front();
    // Readers are not blocked by a writer in WAL mode.
    EXPECT_TRUE(store.findChannel("g"));
    other.rollback();

    EXPECT_EQ(store.appendMessage({.sid = "IM2", .channel_sid = channel.sid})->index, 0)
        << "the failed append consumed an index";
    EXPECT_FALSE(store.isMember(channel.sid, "bob").value());
    EXPECT_EQ(store.findChannel("h").error(), StoreError::kNotFound);
}

TEST_F(SqliteStoreTest, AFailedInsertRollsBackTheIndexItTook) {
    auto store = SqliteStore::open(file_).value();
    const Channel channel =
        store->createChannel({.sid = "CH1", .unique_name = "g", .created_by = "alice"}).value();
    ASSERT_EQ(store->appendMessage({.sid = "IM1", .channel_sid = channel.sid})->index, 0);
    EXPECT_EQ(store->appendMessage({.sid = "IM1", .channel_sid = channel.sid}).error(),
              StoreError::kFailed)
        << "a duplicate message SID was accepted";
    EXPECT_EQ(store->appendMessage({.sid = "IM2", .channel_sid = channel.sid})->index, 1);
}

TEST_F(SqliteStoreTest, ADuplicateChannelSidFailsRatherThanClaimingTheNameTaken) {
    auto store = SqliteStore::open(file_).value();
    ASSERT_TRUE(store->createChannel({.sid = "CH1", .unique_name = "a", .created_by = "alice"}));
    EXPECT_EQ(store->createChannel({.sid = "CH1", .unique_name = "b", .created_by = "bob"}).error(),
              StoreError::kFailed);
    EXPECT_EQ(store->findChannel("b").error(), StoreError::kNotFound);
    EXPECT_TRUE(store->channelsOf("bob")->empty());
}

} // namespace
} // namespace parley::server
