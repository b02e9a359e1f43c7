#pragma once

// The embedded default Store: one SQLite file in WAL mode.
//
// Threading: every method takes one mutex around one connection. SQLite admits a single writer
// per database whatever the number of connections, and every read here is an indexed lookup or
// one short range scan, so a pool of reader connections would buy little on one node and cost
// per-connection statement caches and busy handling between our own connections. A deployment
// that outgrows this moves to the PostgreSQL store, not to a bigger SQLite.
//
// Durability: appendMessage(s), createChannel and the member changes return after COMMIT. With the
// default synchronous=NORMAL, a commit has been written to the WAL file through the OS, so it
// survives kill -9 of the process; only a power loss or OS crash can take the last commits back.
// SqliteSynchronous::kFull closes that gap at the cost of an fsync per commit. The WAL is copied
// back into the database file by a thread of its own (sqlite_checkpointer.hpp), not inside the
// commit that fills it, so no commit waits for a checkpoint's copy and syncs.
//
// Schema: created or upgraded on open (sqlite_schema.hpp); opening a file whose schema version is
// newer than this build knows fails rather than guess.

#include "server/store/sqlite_checkpointer.hpp"
#include "server/store/sqlite_connection.hpp"
#include "server/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley::server {

enum class SqliteSynchronous {
    kNormal, // commits survive a process crash; the WAL is synced at checkpoints only
    kFull,   // commits also survive power loss; one fsync per commit
};

struct SqliteOptions {
    /// NORMAL meets the Store contract (durable across kill -9) at a fraction of FULL's cost.
    SqliteSynchronous synchronous = SqliteSynchronous::kNormal;
    /// How long a statement waits for a lock held by another process (the sqlite3 shell, a
    /// backup) before failing with kFailed, instead of failing at once.
    std::chrono::milliseconds busy_timeout = std::chrono::seconds{5};
    /// Called with SQLite's message whenever a method returns kFailed, so the server can log the
    /// cause (the store itself does not log). Runs under the store's lock: it must not call back
    /// into the store.
    std::function<void(std::string_view)> on_error;
};

class SqliteStore final : public Store {
public:
    /// Opens or creates the database at `file` (its directory must exist), switches it to WAL
    /// mode and creates or checks the schema. Never throws: any failure is a message naming the
    /// file and the cause.
    static std::expected<std::unique_ptr<SqliteStore>, std::string>
    open(const std::filesystem::path& file, SqliteOptions options = {});

    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    StoreResult<Channel> createChannel(const NewChannel& channel) override;
    StoreResult<Channel> findChannel(std::string_view sid_or_unique_name) override;
    StoreResult<ChannelPage> listChannels(std::optional<std::string_view> identity,
                                          const ChannelPageQuery& page) override;
    StoreResult<std::vector<MemberChannel>> channelsOf(std::string_view identity) override;

    StoreResult<bool> addMember(std::string_view channel_sid, std::string_view identity,
                                UnixMillis now) override;
    StoreResult<bool> removeMember(std::string_view channel_sid,
                                   std::string_view identity) override;
    StoreResult<bool> isMember(std::string_view channel_sid, std::string_view identity) override;
    StoreResult<std::vector<Member>> members(std::string_view channel_sid) override;

    StoreResult<Message> appendMessage(const NewMessage& message) override;
    StoreResult<std::vector<Message>> appendMessages(std::span<const NewMessage> messages) override;
    StoreResult<std::vector<Message>> history(std::string_view channel_sid,
                                              const HistoryQuery& query) override;

    std::string describe() const override { return "sqlite " + file_; }

    /// WAL checkpoints run in the background so far (sqlite_checkpointer.hpp).
    std::uint64_t checkpoints() const { return checkpointer_->checkpoints(); }

private:
    enum class Sql; // the statements, defined with their text in sqlite_store.cpp

    SqliteStore(SqliteConnection connection, std::vector<SqliteStatement> statements,
                std::unique_ptr<SqliteCheckpointer> checkpointer, SqliteOptions options);

    static std::string_view sqlText(Sql sql);

    // The helpers below run with mutex_ held by the calling method.
    SqliteStatement& statement(Sql sql);
    /// Reports the connection's last error through on_error and returns kFailed.
    std::unexpected<StoreError> fail();
    /// Runs a statement that returns no rows.
    template <typename... Args> StoreResult<void> run(Sql sql, const Args&... args);
    /// Whether a query returns at least one row.
    template <typename... Args> StoreResult<bool> exists(Sql sql, const Args&... args);
    /// The channel's row key; kNotFound if no channel has that SID.
    StoreResult<std::int64_t> channelKey(std::string_view channel_sid);
    /// Takes the next indexes of one channel for `same_channel` (every message is to it) and
    /// inserts the messages, inside the caller's transaction; they join `appended`.
    StoreResult<void> insertRun(std::span<const NewMessage> same_channel,
                                std::vector<Message>& appended);
    /// createChannel's checks before the insert: unique name free, creator under its quota.
    StoreResult<void> admitChannel(const NewChannel& channel);

    /// A std::string hash that also takes string_views, so a lookup builds no string.
    struct SidHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sid) const noexcept {
            return std::hash<std::string_view>{}(sid);
        }
    };
    /// Bounds channel_keys_ (a few MB at most); past it the cache starts over.
    static constexpr std::size_t kMaxCachedChannelKeys = 65536;

    std::mutex mutex_;
    SqliteConnection connection_;
    std::unordered_map<std::string, std::int64_t, SidHash, std::equal_to<>>
        channel_keys_; // channel SID -> row key, under mutex_
    // Indexed by Sql; declared after connection_ so they are finalized before it closes.
    std::vector<SqliteStatement> statements_;
    // Declared after connection_, so it takes its hook off the connection before that closes.
    std::unique_ptr<SqliteCheckpointer> checkpointer_;
    SqliteOptions options_;
    std::string file_; // the database file, for describe()
};

} // namespace parley::server
