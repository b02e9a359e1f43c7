#include "server/store/sqlite_connection.hpp"
#include "temp_directory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace parley::server {
namespace {

class SqliteConnectionTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = SqliteConnection::open(directory_ / "test.db");
        ASSERT_TRUE(opened) << opened.error();
        connection_ = std::make_unique<SqliteConnection>(std::move(*opened));
        ASSERT_TRUE(connection_->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"));
    }
    void TearDown() override { connection_.reset(); }

    std::int64_t rows() {
        SqliteStatement count = connection_->prepare("SELECT COUNT(*) FROM t").value();
        EXPECT_EQ(count.step(), StepResult::kRow);
        return count.columnInt64(0);
    }

    parley::testing::TempDirectory directory_{"parley-sqlite"};
    std::unique_ptr<SqliteConnection> connection_;
};

TEST_F(SqliteConnectionTest, BindsAndReadsTextWithEmbeddedNulBytes) {
    SqliteStatement insert = connection_->prepare("INSERT INTO t (id, v) VALUES (?1, ?2)").value();
    const std::string text{"a\0b\xc3\xa9", 5};
    ASSERT_TRUE(insert.bind(std::int64_t{7}, text));
    ASSERT_EQ(insert.step(), StepResult::kDone);

    SqliteStatement select = connection_->prepare("SELECT v, id FROM t").value();
    ASSERT_EQ(select.step(), StepResult::kRow);
    EXPECT_EQ(select.columnText(0), text);
    EXPECT_EQ(select.columnInt64(1), 7);
    EXPECT_EQ(select.step(), StepResult::kDone);
}

TEST_F(SqliteConnectionTest, BindsAnEmptyViewAsEmptyTextNotNull) {
    SqliteStatement insert = connection_->prepare("INSERT INTO t (v) VALUES (?1)").value();
    ASSERT_TRUE(insert.bind(std::string_view{}));
    ASSERT_EQ(insert.step(), StepResult::kDone);
    EXPECT_EQ(connection_->queryInt("SELECT COUNT(*) FROM t WHERE v = ''").value(), 1);
}

TEST_F(SqliteConnectionTest, ReadsNullAsEmptyText) {
    ASSERT_TRUE(connection_->execute("INSERT INTO t (v) VALUES (NULL)"));
    SqliteStatement select = connection_->prepare("SELECT v FROM t").value();
    ASSERT_EQ(select.step(), StepResult::kRow);
    EXPECT_EQ(select.columnText(0), "");
}

TEST_F(SqliteConnectionTest, ReportsABindToAMissingParameter) {
    SqliteStatement insert = connection_->prepare("INSERT INTO t (v) VALUES (?1)").value();
    EXPECT_FALSE(insert.bind("one", "two"));
}

TEST_F(SqliteConnectionTest, ResetClearsBindingsForTheNextUse) {
    SqliteStatement insert = connection_->prepare("INSERT INTO t (v) VALUES (?1)").value();
    {
        const StatementLease lease{insert};
        ASSERT_TRUE(lease->bind("x"));
        ASSERT_EQ(lease->step(), StepResult::kDone);
    }
    ASSERT_EQ(insert.step(), StepResult::kDone);
    SqliteStatement nulls = connection_->prepare("SELECT COUNT(*) FROM t WHERE v IS NULL").value();
    ASSERT_EQ(nulls.step(), StepResult::kRow);
    EXPECT_EQ(nulls.columnInt64(0), 1);
}

TEST_F(SqliteConnectionTest, ReportsTheExtendedErrorCodeOfAFailedStep) {
    SqliteStatement insert = connection_->prepare("INSERT INTO t (id) VALUES (1)").value();
    ASSERT_EQ(insert.step(), StepResult::kDone);
    insert.reset();
    EXPECT_EQ(insert.step(), StepResult::kError);
    EXPECT_EQ(insert.errorCode(), 1555); // SQLITE_CONSTRAINT_PRIMARYKEY
    EXPECT_NE(connection_->errorMessage().find("UNIQUE constraint failed"), std::string::npos)
        << connection_->errorMessage();
}

TEST_F(SqliteConnectionTest, ATransactionLeftWithoutCommitRollsBack) {
    {
        SqliteTransaction transaction{*connection_};
        ASSERT_TRUE(transaction.begin());
        EXPECT_TRUE(connection_->inTransaction());
        ASSERT_TRUE(connection_->execute("INSERT INTO t (v) VALUES ('lost')"));
    }
    EXPECT_FALSE(connection_->inTransaction());
    EXPECT_EQ(rows(), 0);
    {
        SqliteTransaction transaction{*connection_};
        ASSERT_TRUE(transaction.begin());
        ASSERT_TRUE(connection_->execute("INSERT INTO t (v) VALUES ('kept')"));
        ASSERT_TRUE(transaction.commit());
    }
    EXPECT_EQ(rows(), 1);
    EXPECT_EQ(connection_->lastInsertRowid(), 1);
    EXPECT_EQ(connection_->changes(), 1);
}

TEST_F(SqliteConnectionTest, RejectsBadSqlWithTheMessage) {
    const auto prepared = connection_->prepare("SELEKT 1");
    ASSERT_FALSE(prepared);
    EXPECT_NE(prepared.error().find("syntax error"), std::string::npos) << prepared.error();
    EXPECT_FALSE(connection_->execute("CREATE TABLE t (x)"));
}

} // namespace
} // namespace parley::server
