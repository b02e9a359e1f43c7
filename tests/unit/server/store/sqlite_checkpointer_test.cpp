#include "server/store/sqlite_checkpointer.hpp"
#include "server/store/sqlite_store.hpp"
#include "temp_directory.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

using parley::testing::waitUntil;

// A checkpoint runs on a thread of its own, so the tests wait for its effect with a deadline.
constexpr auto kWait = 30s;

class SqliteCheckpointerTest : public ::testing::Test {
protected:
    /// A writer in WAL mode with one table, as the store's connection is.
    SqliteConnection openWriter() const {
        SqliteConnection writer = SqliteConnection::open(file_).value();
        EXPECT_TRUE(writer.execute("PRAGMA journal_mode = WAL"));
        EXPECT_TRUE(writer.execute("CREATE TABLE IF NOT EXISTS rows (body TEXT)"));
        return writer;
    }

    /// A row of about a page, committed unless a transaction is open.
    static void commitRow(SqliteConnection& writer) {
        ASSERT_TRUE(writer.execute("INSERT INTO rows VALUES (printf('%.3000c', 'x'))"));
    }

    /// Rows in the database file alone: a copy of it without its WAL holds only what a
    /// checkpoint has copied in (0 while not even the table has been).
    std::int64_t rowsInTheDatabaseFile() const {
        const std::filesystem::path copy =
            directory_ / ("copy" + std::to_string(++copies_) + ".db");
        std::filesystem::copy_file(file_, copy);
        SqliteConnection reader = SqliteConnection::open(copy).value();
        return reader.queryInt("SELECT COUNT(*) FROM rows").value_or(0);
    }

    parley::testing::TempDirectory directory_{"parley-checkpointer"};
    std::filesystem::path file_ = directory_ / "parley.db";
    mutable int copies_ = 0;
};

TEST_F(SqliteCheckpointerTest, CopiesTheWalIntoTheDatabaseOnItsOwnThreadOnceItHoldsThePages) {
    SqliteConnection writer = openWriter();
    const auto checkpointer =
        SqliteCheckpointer::start(file_, writer.handle(), "PRAGMA synchronous = NORMAL", 64);
    ASSERT_TRUE(checkpointer) << checkpointer.error();
    for (int i = 0; i < 4; ++i) {
        commitRow(writer); // a page or two each
    }
    EXPECT_EQ((*checkpointer)->checkpoints(), 0U) << "below the threshold nothing is copied";
    EXPECT_EQ(rowsInTheDatabaseFile(), 0);

    // One commit past the threshold, so one checkpoint, and the file is still once it is done.
    ASSERT_TRUE(writer.begin());
    for (int i = 0; i < 64; ++i) {
        commitRow(writer);
    }
    ASSERT_TRUE(writer.commit());
    ASSERT_TRUE(waitUntil([&] { return (*checkpointer)->checkpoints() >= 1; }, kWait));
    EXPECT_EQ(rowsInTheDatabaseFile(), 68) << "the WAL reached the database file";
}

TEST_F(SqliteCheckpointerTest, ReplacesSqlitesCheckpointInsideTheCommit) {
    // SQLite's checkpoint inside COMMIT is its default WAL hook: the checkpointer's takes its
    // place, and is called after every commit.
    SqliteConnection writer = openWriter();
    const auto checkpointer =
        SqliteCheckpointer::start(file_, writer.handle(), "PRAGMA synchronous = NORMAL", 4);
    ASSERT_TRUE(checkpointer) << checkpointer.error();
    int calls = 0;
    void* previous = sqlite3_wal_hook(
        writer.handle(),
        [](void* count, sqlite3* /*db*/, const char* /*name*/, int /*pages*/) {
            ++*static_cast<int*>(count);
            return SQLITE_OK;
        },
        &calls);
    EXPECT_EQ(previous, checkpointer->get()) << "the writer's WAL hook is the checkpointer's";
    commitRow(writer);
    EXPECT_EQ(calls, 1);
    // The checkpointer's destructor takes off whatever hook is in place.
}

TEST_F(SqliteCheckpointerTest, TheWriterCommitsOnAfterTheCheckpointerIsGone) {
    SqliteConnection writer = openWriter();
    {
        const auto checkpointer =
            SqliteCheckpointer::start(file_, writer.handle(), "PRAGMA synchronous = NORMAL", 2);
        ASSERT_TRUE(checkpointer) << checkpointer.error();
        commitRow(writer);
    }
    // Its hook went with it: these commits call nothing of the destroyed object.
    for (int i = 0; i < 8; ++i) {
        commitRow(writer);
    }
    EXPECT_EQ(writer.queryInt("SELECT COUNT(*) FROM rows").value_or(-1), 9);
}

TEST_F(SqliteCheckpointerTest, FailsWithTheReasonWhenItCannotOpenTheFile) {
    SqliteConnection writer = openWriter();
    const auto checkpointer = SqliteCheckpointer::start(
        directory_ / "no" / "such.db", writer.handle(), "PRAGMA synchronous = NORMAL");
    ASSERT_FALSE(checkpointer);
    EXPECT_NE(checkpointer.error().find("such.db"), std::string::npos) << checkpointer.error();
}

TEST_F(SqliteCheckpointerTest, TheStoreCheckpointsMessagesInTheBackground) {
    auto store = SqliteStore::open(file_);
    ASSERT_TRUE(store) << store.error();
    const auto channel = (*store)->createChannel({.sid = "CH1", .unique_name = "general"});
    ASSERT_TRUE(channel);
    // Past SQLite's 1,000-page threshold: each message writes a few pages.
    const std::string body(2000, 'x');
    for (int i = 0; i < 600; ++i) {
        ASSERT_TRUE((*store)->appendMessage(
            {.sid = "IM" + std::to_string(i), .channel_sid = "CH1", .body = body}));
    }
    ASSERT_TRUE(waitUntil([&] { return (*store)->checkpoints() >= 1; }, kWait));
}

} // namespace
} // namespace parley::server
