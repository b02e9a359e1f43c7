#include "server/store/sqlite_checkpointer.hpp"

#include "server/thread_policy.hpp"

#include <sqlite3.h>

#include <utility>

namespace parley::server {

std::expected<std::unique_ptr<SqliteCheckpointer>, std::string>
SqliteCheckpointer::start(const std::filesystem::path& file, sqlite3* writer,
                          const char* synchronous, int pages) {
    auto own = SqliteConnection::open(file);
    if (!own) {
        return std::unexpected(own.error());
    }
    if (auto set = own->execute(synchronous); !set) {
        return std::unexpected(file.string() + ": " + set.error());
    }
    std::unique_ptr<SqliteCheckpointer> checkpointer{
        new SqliteCheckpointer{std::move(*own), writer, pages}};
    // A hook of our own replaces SQLite's automatic checkpoint (sqlite3_wal_autocheckpoint is
    // that same hook with the default callback).
    sqlite3_wal_hook(writer, &SqliteCheckpointer::onCommit, checkpointer.get());
    return checkpointer;
}

SqliteCheckpointer::SqliteCheckpointer(SqliteConnection own, sqlite3* writer, int pages)
    : own_(std::move(own)), writer_(writer), pages_(pages), thread_([this] { run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
    sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        const std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wanted_cv_.notify_one();
    thread_.join();
}

// On the writer's thread, after each commit, with the pages now in the WAL.
int SqliteCheckpointer::onCommit(void* self, sqlite3* db, const char* name, int pages) {
    auto& checkpointer = *static_cast<SqliteCheckpointer*>(self);
    if (pages < checkpointer.pages_) {
        return SQLITE_OK;
    }
    if (pages >= checkpointer.pages_ * kInlineFactor) {
        // The thread is far behind: copy now, as SQLite's own hook would (a failure, such as
        // the thread's checkpoint running, leaves it to the next commit).
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    {
        const std::lock_guard lock{checkpointer.mutex_};
        if (checkpointer.wanted_) {
            return SQLITE_OK;
        }
        checkpointer.wanted_ = true;
    }
    checkpointer.wanted_cv_.notify_one();
    return SQLITE_OK;
}

void SqliteCheckpointer::run() {
    runAsBackgroundThread();
    std::unique_lock lock{mutex_};
    while (true) {
        wanted_cv_.wait(lock, [this] { return wanted_ || stopping_; });
        if (stopping_) {
            return;
        }
        wanted_ = false;
        lock.unlock();
        // PASSIVE waits for no reader or writer; what a read snapshot still needs is copied by a
        // later one. Busy (another checkpoint running) or failed: the next commit asks again.
        if (sqlite3_wal_checkpoint_v2(own_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                      nullptr) == SQLITE_OK) {
            checkpoints_.fetch_add(1, std::memory_order_relaxed);
        }
        lock.lock();
    }
}

} // namespace parley::server
