#include "server/store/postgres_store.hpp"

#include "protocol/history_budget.hpp"
#include "server/store/postgres_schema.hpp"
#include "server/store/postgres_store_internal.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

namespace {

Message readMessage(const PgResult& rows, int row, std::string_view channel_sid) {
    return Message{.sid = rows.text(row, 1),
                   .channel_sid = std::string{channel_sid},
                   .index = rows.integer(row, 0),
                   .author = rows.text(row, 2),
                   .body = rows.text(row, 3),
                   .attributes_json = rows.text(row, 4),
                   .date_created = fromStoredMillis(rows.integer(row, 5))};
}

bool isPortNumber(std::string_view port) {
    if (port.empty() || port.size() > 5 ||
        !std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    const int number = std::stoi(std::string{port});
    return number >= 1 && number <= 65535;
}

constexpr std::string_view kHistoryUpward =
    "SELECT idx, sid, author, body, attributes, date_created FROM messages "
    "WHERE channel = $1 AND idx > $2 AND idx < $3 ORDER BY idx LIMIT $4";
constexpr std::string_view kHistoryDownward =
    "SELECT idx, sid, author, body, attributes, date_created FROM messages "
    "WHERE channel = $1 AND idx > $2 AND idx < $3 ORDER BY idx DESC LIMIT $4";

} // namespace

std::expected<void, std::string> checkPostgresUrl(std::string_view url) {
    constexpr std::string_view kExpected = " (expected postgresql://USER@HOST:PORT/DB)";
    if (!url.starts_with("postgresql://") && !url.starts_with("postgres://")) {
        return std::unexpected("a PostgreSQL store URL starts with postgresql://" +
                               std::string{kExpected});
    }
    char* error = nullptr;
    const std::string text{url};
    PQconninfoOption* parsed = PQconninfoParse(text.c_str(), &error);
    if (parsed == nullptr) {
        std::string reason = error == nullptr ? "out of memory" : error;
        PQfreemem(error);
        while (!reason.empty() && reason.back() == '\n') {
            reason.pop_back();
        }
        return std::unexpected("invalid PostgreSQL URL: " + reason + std::string{kExpected});
    }
    std::string bad_port;
    for (const PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
        const std::string_view value = option->val == nullptr ? "" : option->val;
        if (std::string_view{option->keyword} != "port" || value.empty()) {
            continue;
        }
        // Several hosts carry a comma-separated port list; each must be a port number.
        for (std::size_t start = 0; start <= value.size();) {
            const std::size_t end = std::min(value.find(',', start), value.size());
            const std::string_view port = value.substr(start, end - start);
            if (!isPortNumber(port)) {
                bad_port = port.empty() ? "(empty)" : port;
            }
            start = end + 1;
        }
    }
    PQconninfoFree(parsed);
    if (!bad_port.empty()) {
        return std::unexpected("invalid PostgreSQL URL: port \"" + bad_port +
                               "\" is not a number from 1 to 65535" + std::string{kExpected});
    }
    return {};
}

PostgresPool::Parameters postgresConnectionParameters(std::string_view url,
                                                      const PostgresOptions& options) {
    const auto statement_ms = std::to_string(options.statement_timeout.count());
    const auto connect_s =
        std::to_string(std::max<std::int64_t>(2, options.connect_timeout.count()));
    // Before the URL: defaults the URL may override. After it: what the store relies on.
    return {
        {"connect_timeout", connect_s},
        // A dead peer on a silent network is noticed by TCP keepalive within seconds, and data
        // unacknowledged for as long as a statement may take fails the connection.
        {"keepalives", "1"},
        {"keepalives_idle", "5"},
        {"keepalives_interval", "2"},
        {"keepalives_count", "3"},
        {"tcp_user_timeout", statement_ms},
        {"application_name", "parley"},
        {"dbname", std::string{url}},
        {"client_encoding", "UTF8"},
        {"options", "-c statement_timeout=" + statement_ms +
                        " -c idle_in_transaction_session_timeout=" + statement_ms},
    };
}

std::expected<void, std::string> preparePostgresDatabase(PostgresPool& pool) {
    auto connection = pool.lease();
    if (!connection) {
        return std::unexpected("cannot connect to PostgreSQL: " + connection.error());
    }
    auto encoding = (*connection)->exec("SHOW server_encoding");
    if (!encoding) {
        return std::unexpected("PostgreSQL: " + encoding.error());
    }
    if (encoding->text(0, 0) != "UTF8") {
        return std::unexpected("the PostgreSQL database has encoding " + encoding->text(0, 0) +
                               "; Parley needs UTF8 (createdb -E UTF8 -T template0)");
    }
    if (auto migrated = migratePostgresSchema(**connection); !migrated) {
        return std::unexpected("PostgreSQL schema: " + migrated.error());
    }
    return {};
}

std::expected<std::unique_ptr<PostgresStore>, std::string>
PostgresStore::open(std::string_view url, PostgresOptions options) {
    if (auto checked = checkPostgresUrl(url); !checked) {
        return std::unexpected(checked.error());
    }
    auto parameters = postgresConnectionParameters(url, options);
    std::unique_ptr<PostgresStore> store{
        new PostgresStore{std::move(parameters), std::move(options)}};
    if (auto prepared = preparePostgresDatabase(store->pool_); !prepared) {
        return std::unexpected(prepared.error());
    }
    if (auto connection = store->pool_.lease()) { // the one just prepared, idle in the pool
        store->label_ = (*connection)->describe();
    }
    return store;
}

PostgresStore::PostgresStore(PostgresPool::Parameters parameters, PostgresOptions options)
    : options_(std::move(options)), pool_(std::move(parameters), options_.max_idle_connections) {}

std::unexpected<StoreError> PostgresStore::fail(const std::string& cause) {
    if (options_.on_error) {
        options_.on_error("postgres store: " + cause);
    }
    return std::unexpected(StoreError::kFailed);
}

StoreResult<PgLease> PostgresStore::lease() {
    auto connection = pool_.lease();
    if (!connection) {
        return fail(connection.error());
    }
    return std::move(*connection);
}

bool PostgresStore::reachable() {
    auto connection = pool_.lease();
    return connection && (*connection)->exec("SELECT 1");
}

StoreResult<std::int64_t> PostgresStore::channelKey(PgConnection& connection,
                                                    std::string_view channel_sid) {
    const auto key = connection.run("SELECT seq FROM channels WHERE sid = $1", channel_sid);
    if (!key) {
        return fail(key.error());
    }
    if (key->rows() == 0) {
        return std::unexpected(StoreError::kNotFound);
    }
    return key->integer(0, 0);
}

StoreResult<bool> PostgresStore::addMember(std::string_view channel_sid, std::string_view identity,
                                           UnixMillis now) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto channel = channelKey(**connection, channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto inserted =
        (*connection)
            ->run("INSERT INTO members (channel, identity, joined_at) VALUES ($1, $2, $3) "
                  "ON CONFLICT (channel, identity) DO NOTHING",
                  *channel, identity, toStoredMillis(now));
    if (!inserted) {
        return fail(inserted.error());
    }
    return inserted->affected() > 0;
}

StoreResult<bool> PostgresStore::removeMember(std::string_view channel_sid,
                                              std::string_view identity) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto channel = channelKey(**connection, channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto deleted =
        (*connection)
            ->run("DELETE FROM members WHERE channel = $1 AND identity = $2", *channel, identity);
    if (!deleted) {
        return fail(deleted.error());
    }
    return deleted->affected() > 0;
}

StoreResult<bool> PostgresStore::isMember(std::string_view channel_sid, std::string_view identity) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto channel = channelKey(**connection, channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto found =
        (*connection)
            ->run("SELECT 1 FROM members WHERE channel = $1 AND identity = $2", *channel, identity);
    if (!found) {
        return fail(found.error());
    }
    return found->rows() > 0;
}

StoreResult<std::vector<Member>> PostgresStore::members(std::string_view channel_sid) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto channel = channelKey(**connection, channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    const auto rows =
        (*connection)
            ->run("SELECT identity, joined_at FROM members WHERE channel = $1 ORDER BY seq",
                  *channel);
    if (!rows) {
        return fail(rows.error());
    }
    std::vector<Member> members;
    members.reserve(static_cast<std::size_t>(rows->rows()));
    for (int row = 0; row < rows->rows(); ++row) {
        members.push_back(Member{.identity = rows->text(row, 0),
                                 .joined_at = fromStoredMillis(rows->integer(row, 1))});
    }
    return members;
}

StoreResult<Message> PostgresStore::appendMessage(const NewMessage& message) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    // One statement, so one transaction: the channel row stays locked from the UPDATE until the
    // insert commits, and the next sender's UPDATE reads the index after this one.
    const auto appended =
        (*connection)
            ->run(
                "WITH taken AS (UPDATE channels SET next_index = next_index + 1 WHERE sid = $1 "
                "RETURNING seq, next_index - 1 AS idx) "
                "INSERT INTO messages (channel, idx, sid, author, body, attributes, date_created) "
                "SELECT seq, idx, $2, $3, $4, $5, $6 FROM taken RETURNING idx",
                message.channel_sid, message.sid, message.author, PgBytes{message.body},
                message.attributes_json, toStoredMillis(message.now));
    if (!appended) {
        return fail(appended.error());
    }
    if (appended->rows() == 0) {
        return std::unexpected(StoreError::kNotFound);
    }
    return message.stored(appended->integer(0, 0));
}

StoreResult<std::vector<Message>> PostgresStore::history(std::string_view channel_sid,
                                                         const HistoryQuery& query) {
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    const auto channel = channelKey(**connection, channel_sid);
    if (!channel) {
        return std::unexpected(channel.error());
    }
    // As in SqliteStore: a page after an index reads upward from it, any other downward from the
    // top and is reversed, so every page comes back oldest first.
    const bool upward = query.after.has_value();
    constexpr auto kMaxIndex = std::numeric_limits<std::int64_t>::max();
    const auto limit =
        static_cast<std::int64_t>(std::min(query.limit, static_cast<std::size_t>(kMaxIndex)));
    const auto rows = (*connection)
                          ->run(upward ? kHistoryUpward : kHistoryDownward, *channel,
                                query.after.value_or(-1), query.before.value_or(kMaxIndex), limit);
    if (!rows) {
        return fail(rows.error());
    }
    std::vector<Message> messages;
    std::size_t bytes = 0;
    for (int row = 0; row < rows->rows(); ++row) {
        Message message = readMessage(*rows, row, channel_sid);
        bytes += protocol::historyBytes(message.author, message.body, message.attributes_json);
        if (bytes > query.max_bytes && !messages.empty()) {
            break; // rows come nearest-first, so the page keeps its start and ends early
        }
        messages.push_back(std::move(message));
    }
    if (!upward) {
        std::ranges::reverse(messages);
    }
    return messages;
}

} // namespace parley::server
