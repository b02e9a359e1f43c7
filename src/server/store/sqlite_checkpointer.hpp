#pragma once

// Checkpoints the WAL of one SQLite database off the commit path.
//
// By default SQLite checkpoints inside the COMMIT that takes the WAL past 1,000 pages: that
// commit copies the pages into the database file and syncs both files before it returns, 5-10 ms
// on a virtual disk, while the store's one mutex keeps every other store call waiting. At a steady
// 100 messages a second that is one stalled message every two or three seconds, and the messages
// queued behind it: the tail of every latency the server reports. Here the writer's automatic
// checkpoints are off, and its WAL hook (called after each commit with the WAL's size) wakes a
// thread of this class's own, which checkpoints PASSIVE on a connection of its own: the writer
// and the readers go on while pages are copied, and a commit costs its WAL write only.
//
// A PASSIVE checkpoint copies what no open read snapshot still needs; once it has copied
// everything, the next write starts the WAL over from its beginning, so the file stays the size
// of a few seconds of writes. Should the thread fall far behind (a saturated machine: it runs as
// background work, thread_policy.hpp), the writer checkpoints itself once the WAL reaches
// kInlineFactor times the threshold, as SQLite would have, so the WAL stays bounded.
//
// Durability is unchanged: a commit is in the WAL before it returns, whoever copies it later,
// and the checkpoint syncs as the writer's synchronous setting says.

#include "server/store/sqlite_connection.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace parley::server {

class SqliteCheckpointer {
public:
    /// SQLite's own default threshold: a checkpoint per 1,000 pages (4 MB) written.
    static constexpr int kDefaultPages = 1000;
    /// The writer checkpoints inline once the WAL holds this many thresholds.
    static constexpr int kInlineFactor = 16;

    /// Opens a connection of its own to `file` (the database `writer` is open on) and installs
    /// the WAL hook on the writer, which replaces its automatic checkpoints. `synchronous` is the
    /// writer's pragma ("PRAGMA synchronous = ..."), so checkpoints sync as its commits do.
    /// `writer` must outlive this object, and no other thread may use it during the call.
    static std::expected<std::unique_ptr<SqliteCheckpointer>, std::string>
    start(const std::filesystem::path& file, sqlite3* writer, const char* synchronous,
          int pages = kDefaultPages);

    /// Takes the hook off the writer and stops the thread (a checkpoint running finishes). No
    /// other thread may use the writer during the call.
    ~SqliteCheckpointer();
    SqliteCheckpointer(const SqliteCheckpointer&) = delete;
    SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

    /// Checkpoints run by the thread so far (for tests and metrics).
    std::uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

private:
    SqliteCheckpointer(SqliteConnection own, sqlite3* writer, int pages);

    static int onCommit(void* self, sqlite3* db, const char* name, int pages);
    void run();

    SqliteConnection own_;
    sqlite3* writer_;
    const int pages_;
    std::mutex mutex_;
    std::condition_variable wanted_cv_;
    bool wanted_ = false;
    bool stopping_ = false;
    std::atomic<std::uint64_t> checkpoints_{0};
    std::thread thread_; // last: started once everything above is ready
};

} // namespace parley::server
