#include "server/store/sqlite_schema.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace parley::server {
namespace {

class SqliteSchemaTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = SqliteConnection::open(directory_ / "test.db");
        ASSERT_TRUE(opened) << opened.error();
        connection_ = std::make_unique<SqliteConnection>(std::move(*opened));
    }
    void TearDown() override { connection_.reset(); }

    std::int64_t tableCount() {
        return connection_->queryInt("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'")
            .value();
    }

    parley::testing::TempDirectory directory_{"parley-sqlite"};
    std::unique_ptr<SqliteConnection> connection_;
};

TEST_F(SqliteSchemaTest, CreatesTheSchemaInANewFileAndRecordsItsVersion) {
    ASSERT_TRUE(migrateSqliteSchema(*connection_));
    EXPECT_EQ(connection_->queryInt("PRAGMA user_version").value(), kSqliteSchemaVersion);
    EXPECT_EQ(tableCount(), 3);
    EXPECT_FALSE(connection_->inTransaction());
}

TEST_F(SqliteSchemaTest, LeavesACurrentSchemaAlone) {
    ASSERT_TRUE(migrateSqliteSchema(*connection_));
    ASSERT_TRUE(connection_->execute("INSERT INTO channels (sid, friendly_name, type, attributes, "
                                     "created_by, date_created) VALUES ('CH1', '', 'public', "
                                     "'{}', 'alice', 0)"));
    const auto again = migrateSqliteSchema(*connection_);
    ASSERT_TRUE(again) << again.error();
    EXPECT_EQ(connection_->queryInt("SELECT COUNT(*) FROM channels").value(), 1);
    EXPECT_FALSE(connection_->inTransaction());
}

TEST_F(SqliteSchemaTest, RefusesANewerVersionAndChangesNothing) {
    ASSERT_TRUE(connection_->execute("PRAGMA user_version = 99"));
    const auto migrated = migrateSqliteSchema(*connection_);
    ASSERT_FALSE(migrated);
    EXPECT_NE(migrated.error().find("schema version 99"), std::string::npos) << migrated.error();
    EXPECT_EQ(tableCount(), 0);
    EXPECT_EQ(connection_->queryInt("PRAGMA user_version").value(), 99);
    EXPECT_FALSE(connection_->inTransaction());
}

TEST_F(SqliteSchemaTest, RefusesANegativeVersion) {
    ASSERT_TRUE(connection_->execute("PRAGMA user_version = -1"));
    EXPECT_FALSE(migrateSqliteSchema(*connection_));
    EXPECT_EQ(tableCount(), 0);
}

TEST_F(SqliteSchemaTest, RollsBackAHalfAppliedMigration) {
    // A table the first migration also creates makes it fail midway.
    ASSERT_TRUE(connection_->execute("CREATE TABLE messages (x)"));
    EXPECT_FALSE(migrateSqliteSchema(*connection_));
    EXPECT_EQ(tableCount(), 1) << "the tables created before the failure were kept";
    EXPECT_EQ(connection_->queryInt("PRAGMA user_version").value(), 0);
}

TEST_F(SqliteSchemaTest, UpgradesAVersion1FileWithTheIndexTheChannelQuotaCounts) {
    ASSERT_TRUE(migrateSqliteSchema(*connection_));
    // A file as version 1 left it: the same tables, without the index of channels by creator.
    ASSERT_TRUE(connection_->execute("DROP INDEX channels_by_creator"));
    ASSERT_TRUE(connection_->execute("PRAGMA user_version = 1"));
    ASSERT_TRUE(migrateSqliteSchema(*connection_));
    EXPECT_EQ(connection_->queryInt("PRAGMA user_version").value(), 2);
    EXPECT_EQ(connection_
                  ->queryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                             "name = 'channels_by_creator'")
                  .value(),
              1);
}

} // namespace
} // namespace parley::server
