#pragma once

// Thin RAII over the SQLite C API: one connection, its prepared statements and its write
// transactions; only what SqliteStore needs. Database errors are return values, never
// exceptions. Nothing here locks: SqliteStore serialises every use of a connection behind its own
// mutex (the connection is opened SQLITE_OPEN_NOMUTEX).

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::server {

/// Outcome of one sqlite3_step.
enum class StepResult {
    kRow,   // a row is ready to read
    kDone,  // the statement ran to completion
    kError, // it failed; SqliteStatement::errorCode() and the connection's errorMessage() say why
};

/// A prepared statement, finalized when destroyed. Parameters and columns are numbered as in
/// SQLite: parameters from 1, columns from 0.
class SqliteStatement {
public:
    SqliteStatement() = default;

    /// Binds `values` to parameters 1..N in order. Text is copied, so the arguments need not
    /// outlive the call. False if a bind fails (no such parameter, value too big).
    template <typename... Values> bool bind(const Values&... values) {
        int position = 0;
        return (bindAt(++position, values) && ...);
    }
    bool bindAt(int position, std::string_view text);
    bool bindAt(int position, std::int64_t value);

    StepResult step();
    /// The extended result code of the last failed step (SQLITE_CONSTRAINT_FOREIGNKEY, ...).
    int errorCode() const { return error_code_; }

    std::int64_t columnInt64(int column) const;
    /// The column as text; NULL reads as "".
    std::string columnText(int column) const;

    /// Rewinds the statement and clears its bindings, ready for its next use. A statement left
    /// mid-result would keep its read snapshot open and stop WAL checkpoints from completing.
    void reset() noexcept;

private:
    friend class SqliteConnection;
    struct Finalizer {
        void operator()(sqlite3_stmt* statement) const noexcept;
    };
    explicit SqliteStatement(sqlite3_stmt* statement) : statement_(statement) {}

    std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
    int error_code_ = 0;
};

/// A cached statement in use: reset when the lease ends, on every path out of the caller.
class StatementLease {
public:
    explicit StatementLease(SqliteStatement& statement) : statement_(&statement) {}
    ~StatementLease() { statement_->reset(); }
    StatementLease(const StatementLease&) = delete;
    StatementLease& operator=(const StatementLease&) = delete;

    SqliteStatement* operator->() const { return statement_; }
    SqliteStatement& operator*() const { return *statement_; }

private:
    SqliteStatement* statement_;
};

/// An open database connection, closed when destroyed. Move-only; not thread-safe.
class SqliteConnection {
public:
    /// Opens (creating if missing) `file` for reading and writing, with extended result codes.
    /// The error string names the file and SQLite's reason.
    static std::expected<SqliteConnection, std::string> open(const std::filesystem::path& file);

    /// Runs one or more statements that take no parameters and return no rows wanted (schema,
    /// pragmas that set). The error string is SQLite's message.
    std::expected<void, std::string> execute(const char* sql);
    /// Runs a one-off query and reads the first column of its first row as an integer (pragmas
    /// such as user_version).
    std::expected<std::int64_t, std::string> queryInt(const char* sql);
    /// Prepares a statement meant to be kept and reused (SQLITE_PREPARE_PERSISTENT).
    std::expected<SqliteStatement, std::string> prepare(std::string_view sql);

    /// BEGIN IMMEDIATE / COMMIT / ROLLBACK on cached statements; false (or nothing) on failure.
    bool begin();
    bool commit();
    void rollback() noexcept;
    bool inTransaction() const;

    /// How long a statement waits for another process's lock before failing with SQLITE_BUSY.
    void setBusyTimeout(std::chrono::milliseconds timeout);

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const;
    std::int64_t lastInsertRowid() const;
    /// SQLite's message for the most recent failure on this connection.
    std::string errorMessage() const;

    sqlite3* handle() const { return db_.get(); }

private:
    struct Closer {
        void operator()(sqlite3* db) const noexcept;
    };
    explicit SqliteConnection(sqlite3* db) : db_(db) {}
    bool runCached(SqliteStatement& statement);

    // Declared first so it is destroyed last, after the statements prepared on it.
    std::unique_ptr<sqlite3, Closer> db_;
    SqliteStatement begin_;
    SqliteStatement commit_;
    SqliteStatement rollback_;
};

/// A write transaction scope: rolls back in its destructor whatever is still open (an early
/// return, a failed step, a failed COMMIT), so no path leaves the connection mid-transaction.
class SqliteTransaction {
public:
    explicit SqliteTransaction(SqliteConnection& connection) : connection_(connection) {}
    ~SqliteTransaction() {
        if (connection_.inTransaction()) {
            connection_.rollback();
        }
    }
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;

    bool begin() { return connection_.begin(); }
    bool commit() { return connection_.commit(); }

private:
    SqliteConnection& connection_;
};

} // namespace parley::server
