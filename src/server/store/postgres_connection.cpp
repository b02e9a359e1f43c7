#include "server/store/postgres_connection.hpp"

#include <poll.h>

namespace parley::server {

namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

std::uint64_t readBigEndian(const char* bytes, int length) {
    std::uint64_t value = 0;
    for (int i = 0; i < length; ++i) {
        value = (value << 8U) | static_cast<unsigned char>(bytes[i]);
    }
    return value;
}

} // namespace

PgParam pgParam(std::string_view text) {
    return PgParam{.bytes = std::string{text}, .type = kTextOid};
}

PgParam pgParam(std::int64_t number) {
    auto value = static_cast<std::uint64_t>(number);
    std::string bytes(8, '\0');
    for (int i = 7; i >= 0; --i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xffU);
        value >>= 8U;
    }
    return PgParam{.bytes = std::move(bytes), .type = kInt8Oid};
}

PgParam pgParam(PgBytes bytes) {
    return PgParam{.bytes = std::string{bytes.bytes}, .type = kByteaOid};
}

std::int64_t PgResult::affected() const {
    const char* count = PQcmdTuples(result_.get());
    std::int64_t value = 0;
    for (; *count >= '0' && *count <= '9'; ++count) {
        value = value * 10 + (*count - '0');
    }
    return value;
}

std::string PgResult::text(int row, int column) const {
    return std::string{PQgetvalue(result_.get(), row, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

std::int64_t PgResult::integer(int row, int column) const {
    const int length = PQgetlength(result_.get(), row, column);
    const std::uint64_t raw = readBigEndian(PQgetvalue(result_.get(), row, column), length);
    // Sign-extend a narrower integer (int4 from COUNT or a literal).
    if (length > 0 && length < 8) {
        const auto shift = static_cast<unsigned>(64 - 8 * length);
        return static_cast<std::int64_t>(raw << shift) >> shift;
    }
    return static_cast<std::int64_t>(raw);
}

std::expected<PgConnection, std::string>
PgConnection::open(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::vector<const char*> keywords;
    std::vector<const char*> values;
    for (const auto& [keyword, value] : parameters) {
        keywords.push_back(keyword.c_str());
        values.push_back(value.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    PgConnection connection{PQconnectdbParams(keywords.data(), values.data(), 1)};
    if (!connection.connection_) {
        return std::unexpected("out of memory for a PostgreSQL connection");
    }
    if (connection.broken()) {
        return std::unexpected(connection.errorMessage());
    }
    // libpq's default prints notices on stderr; the store has nothing to learn from them.
    PQsetNoticeProcessor(
        connection.connection_.get(), [](void*, const char*) {}, nullptr);
    return connection;
}

bool PgConnection::alive() {
    // An idle session is sent nothing (the store never LISTENs), so anything to read means the
    // server is ending it: a FATAL from a shutdown or pg_terminate_backend, or the end of the
    // stream. Dropping it then costs at most a reconnect; using it would fail the call.
    if (broken()) {
        return false;
    }
    pollfd socket{.fd = PQsocket(connection_.get()), .events = POLLIN, .revents = 0};
    return poll(&socket, 1, 0) == 0;
}

std::expected<PgResult, std::string> PgConnection::exec(std::string_view sql,
                                                        const std::vector<PgParam>& parameters) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats(parameters.size(), 1);
    std::vector<Oid> types;
    for (const PgParam& parameter : parameters) {
        values.push_back(parameter.bytes.data());
        lengths.push_back(static_cast<int>(parameter.bytes.size()));
        types.push_back(parameter.type);
    }
    const auto name = prepare(sql, types);
    if (!name) {
        return std::unexpected(name.error());
    }
    return check(PQexecPrepared(connection_.get(), name->c_str(),
                                static_cast<int>(parameters.size()), values.data(), lengths.data(),
                                formats.data(), 1));
}

// The store runs a few fixed statements many times: each is parsed once per connection and its
// plan reused, rather than parsed and planned on every call.
std::expected<std::string, std::string> PgConnection::prepare(std::string_view sql,
                                                              const std::vector<Oid>& types) {
    std::string statement{sql};
    if (const auto known = prepared_.find(statement); known != prepared_.end()) {
        return known->second;
    }
    std::string name = "parley_" + std::to_string(prepared_.size());
    auto made = check(PQprepare(connection_.get(), name.c_str(), statement.c_str(),
                                static_cast<int>(types.size()), types.data()));
    if (!made) {
        return std::unexpected(made.error());
    }
    prepared_.emplace(std::move(statement), name);
    return name;
}

std::expected<PgResult, std::string> PgConnection::check(PGresult* raw) {
    PgResult result{raw};
    if (result.ok()) {
        last_state_.clear();
        return result;
    }
    const char* state = raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
    last_state_ = state == nullptr ? "" : state;
    return std::unexpected(errorMessage());
}

std::expected<void, std::string> PgConnection::script(const char* sql) {
    const PgResult result{PQexec(connection_.get(), sql)};
    if (result.ok()) {
        return {};
    }
    return std::unexpected(errorMessage());
}

std::string PgConnection::errorMessage() const {
    std::string message = PQerrorMessage(connection_.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    return message.empty() ? "unknown PostgreSQL error" : message;
}

PgTransaction::~PgTransaction() {
    if (open_ && !connection_.broken()) {
        (void)connection_.exec("ROLLBACK");
    }
}

std::expected<void, std::string> PgTransaction::begin() {
    if (auto begun = connection_.exec("BEGIN"); !begun) {
        return std::unexpected(begun.error());
    }
    open_ = true;
    return {};
}

std::expected<void, std::string> PgTransaction::commit() {
    open_ = false;
    auto committed = connection_.exec("COMMIT");
    if (!committed) {
        return std::unexpected(committed.error());
    }
    // COMMIT of a transaction that had failed succeeds as a ROLLBACK.
    if (committed->commandTag() != "COMMIT") {
        return std::unexpected("the transaction was rolled back");
    }
    return {};
}

std::string PgConnection::describe() const {
    PGconn* raw = connection_.get();
    const auto text = [](const char* value) { return std::string{value != nullptr ? value : ""}; };
    return text(PQuser(raw)) + "@" + text(PQhost(raw)) + ":" + text(PQport(raw)) + "/" +
           text(PQdb(raw));
}

} // namespace parley::server
