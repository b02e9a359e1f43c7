#include "server/store/sqlite_store.hpp"

#include "protocol/history_budget.hpp"
#include "server/store/sqlite_schema.hpp"
#include "server/store/sqlite_store_internal.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

namespace {

const char* synchronousPragma(const SqliteOptions& options) {
    return options.synchronous == SqliteSynchronous::kFull ? "PRAGMA synchronous = FULL"
                                                           : "PRAGMA synchronous = NORMAL";
}

std::expected<void, std::string> configure(SqliteConnection& connection,
                                           const SqliteOptions& options) {
    connection.setBusyTimeout(options.busy_timeout);
    // Off by default and per connection; a build without foreign keys would ignore the pragma.
    if (auto enabled = connection.execute("PRAGMA foreign_keys = ON"); !enabled) {
        return enabled;
    }
    if (connection.queryInt("PRAGMA foreign_keys").value_or(0) != 1) {
        return std::unexpected("this SQLite does not enforce foreign keys");
    }
    auto mode = connection.prepare("PRAGMA journal_mode = WAL");
    if (!mode) {
        return std::unexpected(mode.error());
    }
    if (mode->step() != StepResult::kRow || mode->columnText(0) != "wal") {
        return std::unexpected("cannot switch to WAL mode: " + connection.errorMessage());
    }
    return connection.execute(synchronousPragma(options));
}

Message readMessage(const SqliteStatement& row, std::string_view channel_sid) {
    return Message{.sid = row.columnText(1),
                   .channel_sid = std::string{channel_sid},
                   .index = row.columnInt64(0),
                   .author = row.columnText(2),
                   .body = row.columnText(3),
                   .attributes_json = row.columnText(4),
                   .date_created = fromStored(row.columnInt64(5))};
}

} // namespace

namespace {

// The statements of more than a line, named for sqlText().
constexpr std::string_view kInsertChannelSql =
    "INSERT INTO channels (sid, unique_name, friendly_name, type, attributes, "
    "created_by, date_created) VALUES (?1, NULLIF(?2, ''), ?3, ?4, ?5, ?6, ?7)";

// One lookup for both keys; a SID match sorts first.
constexpr std::string_view kFindChannelSql =
    "SELECT sid, COALESCE(unique_name, ''), friendly_name, type, attributes, "
    "created_by, date_created FROM channels WHERE sid = ?1 OR unique_name = ?1 "
    "ORDER BY sid = ?1 DESC LIMIT 1";

constexpr std::string_view kListChannelsSql =
    "SELECT sid, COALESCE(unique_name, ''), friendly_name, type, attributes, "
    "created_by, date_created FROM channels AS c WHERE (?2 = 1 OR type = 'public' OR "
    "EXISTS "
    "(SELECT 1 FROM members AS m WHERE m.channel = c.seq AND m.identity = ?1)) "
    "AND seq > ?3 ORDER BY seq LIMIT ?4";

constexpr std::string_view kChannelsOfSql =
    "SELECT c.sid, c.next_index FROM members AS m JOIN channels AS c ON c.seq = m.channel "
    "WHERE m.identity = ?1 ORDER BY m.seq";

constexpr std::string_view kInsertMemberSql =
    "INSERT INTO members (channel, identity, joined_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (channel, identity) DO NOTHING";

constexpr std::string_view kTakeNextIndexSql =
    "UPDATE channels SET next_index = next_index + ?2 WHERE sid = ?1 "
    "RETURNING seq, next_index - ?2";

constexpr std::string_view kInsertMessageSql =
    "INSERT INTO messages (channel, idx, sid, author, body, attributes, date_created) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

constexpr std::string_view kHistoryUpwardSql =
    "SELECT idx, sid, author, body, attributes, date_created FROM messages "
    "WHERE channel = ?1 AND idx > ?2 AND idx < ?3 ORDER BY idx LIMIT ?4";

constexpr std::string_view kHistoryDownwardSql =
    "SELECT idx, sid, author, body, attributes, date_created FROM messages "
    "WHERE channel = ?1 AND idx > ?2 AND idx < ?3 ORDER BY idx DESC LIMIT ?4";

} // namespace

std::string_view SqliteStore::sqlText(Sql sql) {
    switch (sql) {
    case Sql::kChannelKey:
        return "SELECT seq FROM channels WHERE sid = ?1";
    case Sql::kUniqueNameUsed:
        return "SELECT 1 FROM channels WHERE unique_name = ?1";
    case Sql::kInsertChannel:
        return kInsertChannelSql;
    case Sql::kFindChannel:
        return kFindChannelSql;
    case Sql::kListChannels:
        return kListChannelsSql;
    case Sql::kChannelsOf:
        return kChannelsOfSql;
    case Sql::kCountCreatedBy:
        return "SELECT COUNT(*) FROM channels WHERE created_by = ?1";
    case Sql::kInsertMember:
        return kInsertMemberSql;
    case Sql::kDeleteMember:
        return "DELETE FROM members WHERE channel = ?1 AND identity = ?2";
    case Sql::kIsMember:
        return "SELECT 1 FROM members WHERE channel = ?1 AND identity = ?2";
    case Sql::kMembers:
        return "SELECT identity, joined_at FROM members WHERE channel = ?1 ORDER BY seq";
    case Sql::kTakeNextIndex:
        return kTakeNextIndexSql;
    case Sql::kInsertMessage:
        return kInsertMessageSql;
    case Sql::kHistoryUpward:
        return kHistoryUpwardSql;
    case Sql::kHistoryDownward:
        return kHistoryDownwardSql;
    }
    return {};
}

std::expected<std::unique_ptr<SqliteStore>, std::string>
SqliteStore::open(const std::filesystem::path& file, SqliteOptions options) {
    auto connection = SqliteConnection::open(file);
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto failure = [&file](const std::string& reason) {
        return std::unexpected(file.string() + ": " + reason);
    };
    if (auto configured = configure(*connection, options); !configured) {
        return failure(configured.error());
    }
    if (auto migrated = migrateSqliteSchema(*connection); !migrated) {
        return failure(migrated.error());
    }
    // All prepared now, so a schema mismatch shows at start-up rather than on first use.
    constexpr auto kStatementCount = static_cast<std::size_t>(Sql::kHistoryDownward) + 1;
    std::vector<SqliteStatement> statements;
    statements.reserve(kStatementCount);
    for (std::size_t i = 0; i < kStatementCount; ++i) {
        auto prepared = connection->prepare(sqlText(static_cast<Sql>(i)));
        if (!prepared) {
            return failure(prepared.error());
        }
        statements.push_back(std::move(*prepared));
    }
    auto checkpointer =
        SqliteCheckpointer::start(file, connection->handle(), synchronousPragma(options));
    if (!checkpointer) {
        return failure(checkpointer.error());
    }
    std::unique_ptr<SqliteStore> store{
        new SqliteStore{std::move(*connection), std::move(statements), std::move(*checkpointer),
                        std::move(options)}};
    store->file_ = file.string();
    return store;
}

SqliteStore::SqliteStore(SqliteConnection connection, std::vector<SqliteStatement> statements,
                         std::unique_ptr<SqliteCheckpointer> checkpointer, SqliteOptions options)
    : connection_(std::move(connection)), statements_(std::move(statements)),
      checkpointer_(std::move(checkpointer)), options_(std::move(options)) {}

SqliteStore::~SqliteStore() = default;

SqliteStatement& SqliteStore::statement(Sql sql) {
    return statements_[static_cast<std::size_t>(sql)];
}

std::unexpected<StoreError> SqliteStore::fail() {
    if (options_.on_error) {
        options_.on_error("sqlite store: " + connection_.errorMessage());
    }
    return std::unexpected(StoreError::kFailed);
}

// Every send asks for its channel's key twice (membership, then the append): a map lookup
// instead of a statement. A key never changes and no channel is ever deleted, so what is cached
// stays true; a key is cached only once read from a committed row (createChannel's own insert
// does not come through here), so no rolled-back transaction leaves one behind.
StoreResult<std::int64_t> SqliteStore::channelKey(std::string_view channel_sid) {
    if (const auto cached = channel_keys_.find(channel_sid); cached != channel_keys_.end()) {
        return cached->second;
    }
    const StatementLease query{statement(Sql::kChannelKey)};
    if (!query->bind(channel_sid)) {
        return fail();
    }
    switch (query->step()) {
    case StepResult::kRow: {
        const std::int64_t key = query->columnInt64(0);
        if (channel_keys_.size() >= kMaxCachedChannelKeys) {
            channel_keys_.clear();
        }
        channel_keys_.emplace(channel_sid, key);
        return key;
    }
    case StepResult::kDone:
        return std::unexpected(StoreError::kNotFound);
    case StepResult::kError:
        break;
    }
    return fail();
}

StoreResult<bool> SqliteStore::addMember(std::string_view channel_sid, std::string_view identity,
                                         UnixMillis now) {
    const std::scoped_lock lock{mutex_};
    const auto channel = channelKey(channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    if (auto inserted = run(Sql::kInsertMember, *channel, identity, toStored(now)); !inserted) {
        return std::unexpected(inserted.error());
    }
    return connection_.changes() > 0;
}

StoreResult<bool> SqliteStore::removeMember(std::string_view channel_sid,
                                            std::string_view identity) {
    const std::scoped_lock lock{mutex_};
    const auto channel = channelKey(channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    if (auto deleted = run(Sql::kDeleteMember, *channel, identity); !deleted) {
        return std::unexpected(deleted.error());
    }
    return connection_.changes() > 0;
}

StoreResult<bool> SqliteStore::isMember(std::string_view channel_sid, std::string_view identity) {
    const std::scoped_lock lock{mutex_};
    const auto channel = channelKey(channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    return exists(Sql::kIsMember, *channel, identity);
}

StoreResult<std::vector<Member>> SqliteStore::members(std::string_view channel_sid) {
    const std::scoped_lock lock{mutex_};
    const auto channel = channelKey(channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const StatementLease query{statement(Sql::kMembers)};
    if (!query->bind(*channel)) {
        return fail();
    }
    std::vector<Member> members;
    StepResult step = StepResult::kDone;
    while ((step = query->step()) == StepResult::kRow) {
        members.push_back(Member{.identity = query->columnText(0),
                                 .joined_at = fromStored(query->columnInt64(1))});
    }
    if (step == StepResult::kError) {
        return fail();
    }
    return members;
}

StoreResult<void> SqliteStore::insertRun(std::span<const NewMessage> same_channel,
                                         std::vector<Message>& appended) {
    std::int64_t channel = 0;
    std::int64_t index = 0;
    {
        // One UPDATE takes the indexes of them all. RETURNING makes its change on the first step;
        // the lease resets the statement before the inserts.
        const StatementLease take{statement(Sql::kTakeNextIndex)};
        if (!take->bind(same_channel.front().channel_sid,
                        static_cast<std::int64_t>(same_channel.size()))) {
            return fail();
        }
        switch (take->step()) {
        case StepResult::kRow:
            channel = take->columnInt64(0);
            index = take->columnInt64(1);
            break;
        case StepResult::kDone:
            return std::unexpected(StoreError::kNotFound);
        case StepResult::kError:
            return fail();
        }
    }
    for (const NewMessage& message : same_channel) {
        if (auto inserted = run(Sql::kInsertMessage, channel, index, message.sid, message.author,
                                message.body, message.attributes_json, toStored(message.now));
            !inserted) {
            return std::unexpected(inserted.error());
        }
        appended.push_back(message.stored(index++));
    }
    return {};
}

StoreResult<Message> SqliteStore::appendMessage(const NewMessage& message) {
    auto appended = appendMessages(std::span{&message, 1});
    if (!appended) {
        return std::unexpected(appended.error());
    }
    return std::move(appended->front());
}

// One transaction for the lot: with synchronous=NORMAL a commit costs its WAL write (several
// pages, and an fsync under FULL), which a batch pays once; each run of one channel's messages
// takes its indexes with one UPDATE, and each row costs only its insert.
StoreResult<std::vector<Message>>
SqliteStore::appendMessages(std::span<const NewMessage> messages) {
    std::vector<Message> appended;
    if (messages.empty()) {
        return appended;
    }
    appended.reserve(messages.size());
    const std::scoped_lock lock{mutex_};
    SqliteTransaction transaction{connection_}; // rolls back every row on an early return
    if (!transaction.begin()) {
        return fail();
    }
    while (!messages.empty()) {
        std::size_t length = 1; // the run of messages to the same channel
        while (length < messages.size() &&
               messages[length].channel_sid == messages.front().channel_sid) {
            ++length;
        }
        if (auto stored = insertRun(messages.first(length), appended); !stored) {
            return std::unexpected(stored.error());
        }
        messages = messages.subspan(length);
    }
    if (!transaction.commit()) {
        return fail();
    }
    return appended;
}

StoreResult<std::vector<Message>> SqliteStore::history(std::string_view channel_sid,
                                                       const HistoryQuery& query) {
    const std::scoped_lock lock{mutex_};
    const auto channel = channelKey(channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    // A page after an index reads upward from it; a page before an index, or the newest page,
    // reads downward from the top and is reversed, so every page comes back oldest first. Given
    // both (the header says not to), the range between them is read from its low end.
    const bool upward = query.after.has_value();
    constexpr auto kMaxIndex = std::numeric_limits<std::int64_t>::max();
    const std::int64_t above = query.after.value_or(-1);
    const std::int64_t below = query.before.value_or(kMaxIndex);
    const auto limit =
        static_cast<std::int64_t>(std::min(query.limit, static_cast<std::size_t>(kMaxIndex)));
    const StatementLease page{statement(upward ? Sql::kHistoryUpward : Sql::kHistoryDownward)};
    if (!page->bind(*channel, above, below, limit)) {
        return fail();
    }
    std::vector<Message> messages;
    std::size_t bytes = 0;
    StepResult step = StepResult::kDone;
    while ((step = page->step()) == StepResult::kRow) {
        Message message = readMessage(*page, channel_sid);
        bytes += protocol::historyBytes(message.author, message.body, message.attributes_json);
        if (bytes > query.max_bytes && !messages.empty()) {
            break; // rows come nearest-first, so the page keeps its start and ends early
        }
        messages.push_back(std::move(message));
    }
    if (step == StepResult::kError) {
        return fail();
    }
    if (!upward) {
        std::ranges::reverse(messages);
    }
    return messages;
}

} // namespace parley::server
