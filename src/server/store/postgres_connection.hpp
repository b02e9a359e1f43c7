#pragma once

// A thin RAII layer over libpq for PostgresStore: one connection, its results, and parameters
// sent in binary. Everything travels in binary format both ways, so text is raw bytes (no
// escaping), bodies go as bytea (a NUL byte is a valid part of a message body, and PostgreSQL
// text cannot hold one), and integers are 8-byte big-endian (no number parsing).
//
// Not thread-safe: one thread uses a connection at a time (PostgresPool leases them).

#include <libpq-fe.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace parley::server {

/// Bytes sent as bytea rather than text.
struct PgBytes {
    std::string_view bytes;
};

/// One parameter in binary format with its type.
struct PgParam {
    std::string bytes;
    Oid type = 0;
};

PgParam pgParam(std::string_view text);
PgParam pgParam(std::int64_t number);
PgParam pgParam(PgBytes bytes);

/// The result of one successful command.
class PgResult {
public:
    explicit PgResult(PGresult* result) : result_(result) {}

    /// Whether the command succeeded (a null result is libpq out of memory or connection lost).
    bool ok() const {
        const ExecStatusType status = PQresultStatus(result_.get());
        return result_ && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
    }
    int rows() const { return PQntuples(result_.get()); }
    /// "COMMIT", "INSERT 0 1", ...
    std::string_view commandTag() const { return PQcmdStatus(result_.get()); }
    /// Rows changed by an INSERT, UPDATE or DELETE.
    std::int64_t affected() const;
    bool isNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
    /// A text or bytea column's bytes.
    std::string text(int row, int column) const;
    /// A bigint column (an integer column of another width is read by its size).
    std::int64_t integer(int row, int column) const;

private:
    struct Clear {
        void operator()(PGresult* result) const { PQclear(result); }
    };
    std::unique_ptr<PGresult, Clear> result_;
};

class PgConnection {
public:
    /// Connects with libpq keywords and values, in order: a "dbname" holding a URL is expanded,
    /// and entries after it override what the URL says. Blocks at most for connect_timeout.
    static std::expected<PgConnection, std::string>
    open(const std::vector<std::pair<std::string, std::string>>& parameters);

    /// Whether an idle connection is still usable, without waiting: the server has sent nothing
    /// since the last command, as it does when it ends the session (a restart, a terminated
    /// backend).
    bool alive();
    /// Whether libpq has given the connection up (the server went away mid-command).
    bool broken() const { return PQstatus(connection_.get()) != CONNECTION_OK; }
    /// "USER@HOST:PORT/DB" of the session, for /healthz and logs (never the password).
    std::string describe() const;
    /// Whether no transaction is open.
    bool idle() const { return PQtransactionStatus(connection_.get()) == PQTRANS_IDLE; }

    /// Runs one command with parameters; the error is the server's or libpq's message.
    std::expected<PgResult, std::string> exec(std::string_view sql,
                                              const std::vector<PgParam>& parameters = {});
    /// Runs several commands without parameters (a migration step); no rows come back.
    std::expected<void, std::string> script(const char* sql);
    template <typename... Args>
    std::expected<PgResult, std::string> run(std::string_view sql, const Args&... args) {
        return exec(sql, std::vector<PgParam>{pgParam(args)...});
    }

    /// The SQLSTATE of the last failed command ("" if none), e.g. "23505" unique_violation.
    const std::string& lastState() const { return last_state_; }

private:
    struct Finish {
        void operator()(PGconn* connection) const { PQfinish(connection); }
    };
    explicit PgConnection(PGconn* connection) : connection_(connection) {}

    std::string errorMessage() const;
    /// The name `sql` is prepared under on this connection, preparing it on first use.
    std::expected<std::string, std::string> prepare(std::string_view sql,
                                                    const std::vector<Oid>& types);
    /// `raw` as a result, or the error it carries (noting its SQLSTATE).
    std::expected<PgResult, std::string> check(PGresult* raw);

    std::unique_ptr<PGconn, Finish> connection_;
    std::string last_state_;
    std::unordered_map<std::string, std::string> prepared_; // SQL text -> statement name
};

/// BEGIN ... COMMIT, rolled back by the destructor unless committed (on a connection still up).
class PgTransaction {
public:
    explicit PgTransaction(PgConnection& connection) : connection_(connection) {}
    ~PgTransaction();
    PgTransaction(const PgTransaction&) = delete;
    PgTransaction& operator=(const PgTransaction&) = delete;

    std::expected<void, std::string> begin();
    std::expected<void, std::string> commit();

private:
    PgConnection& connection_;
    bool open_ = false;
};

} // namespace parley::server
