#pragma once

// The Store for several nodes: channels, members and messages in PostgreSQL, shared by every
// `parley serve` that names the same database (`--store postgresql://USER@HOST:PORT/DB`).
//
// Threading: each call leases a connection of its own from a small pool (postgres_pool.hpp), so
// the server's store workers run their calls in parallel; the database, not this process, orders
// concurrent writers, whichever node they come from.
//
// Indexes: appendMessage takes the channel's next index and inserts the message in one statement,
// so one transaction: the UPDATE of the channel row locks it until that transaction commits, and
// a concurrent sender on any node waits for the commit and takes the index after. An index is
// never repeated or skipped (a failed insert rolls its increment back with it).
//
// Outages: an operation while PostgreSQL is unreachable fails with kFailed within
// connect_timeout (at once when the port refuses), and one that stalls mid-way within
// statement_timeout; the next call after PostgreSQL is back opens a new connection and succeeds.
//
// Durability: calls return after COMMIT, with PostgreSQL's own guarantee (synchronous_commit on,
// the default, means the commit is flushed to its WAL).
//
// Schema: created or upgraded on open (postgres_schema.hpp); opening a database whose schema
// version is newer than this build knows fails rather than guess.

#include "server/store/postgres_pool.hpp"
#include "server/store/store.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

struct PostgresOptions {
    /// How long opening a connection may take before the call fails (libpq counts whole seconds,
    /// 2 at least).
    std::chrono::seconds connect_timeout{5};
    /// How long one statement may run, waiting for locks included, before it fails.
    std::chrono::milliseconds statement_timeout{10'000};
    /// Connections kept open between calls; more are opened when more threads call at once.
    std::size_t max_idle_connections = 16;
    /// Called with the cause whenever a method returns kFailed, so the server can log it (the
    /// store itself does not log). May run on several threads at once.
    std::function<void(std::string_view)> on_error;
};

/// Checks a `postgresql://` (or `postgres://`) URL without connecting. The error says what is
/// wrong and never repeats the URL, which may hold a password.
std::expected<void, std::string> checkPostgresUrl(std::string_view url);

class PostgresStore final : public Store {
public:
    /// Connects to the database `url` names (checkPostgresUrl), checks that it is UTF-8, and
    /// creates or upgrades the schema. Never throws: any failure is a message naming the cause.
    static std::expected<std::unique_ptr<PostgresStore>, std::string>
    open(std::string_view url, PostgresOptions options = {});

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

    bool reachable() override;
    std::string describe() const override { return "postgresql " + label_; }

private:
    PostgresStore(PostgresPool::Parameters parameters, PostgresOptions options);

    /// Reports `cause` through on_error and returns kFailed.
    std::unexpected<StoreError> fail(const std::string& cause);
    /// A connection for one call, or kFailed (reported) when none can be had.
    StoreResult<PgLease> lease();
    /// The channel's row key; kNotFound if no channel has that SID.
    StoreResult<std::int64_t> channelKey(PgConnection& connection, std::string_view channel_sid);
    /// createChannel's checks before the insert: unique name free, creator under its quota.
    StoreResult<void> admitChannel(PgConnection& connection, const NewChannel& channel);
    /// appendMessages' work for consecutive messages of one channel, inside its transaction:
    /// one UPDATE takes their indexes, multi-row INSERTs store them, and they join `appended`.
    StoreResult<void> appendRun(PgConnection& connection, std::span<const NewMessage> run,
                                std::vector<Message>& appended);
    /// createChannel's transaction on `connection`.
    StoreResult<void> insertChannel(PgConnection& connection, const NewChannel& channel);

    PostgresOptions options_;
    PostgresPool pool_;
    std::string label_; // USER@HOST:PORT/DB, from the first connection
};

} // namespace parley::server
