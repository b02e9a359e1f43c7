#include "server/store/sqlite_connection.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace parley::server {

void SqliteStatement::Finalizer::operator()(sqlite3_stmt* statement) const noexcept {
    sqlite3_finalize(statement);
}

bool SqliteStatement::bindAt(int position, std::string_view text) {
    // sqlite3_bind_text64 takes the length, so text with NUL bytes survives; SQLITE_TRANSIENT
    // copies, which costs nothing next to a commit and frees callers from lifetime rules.
    // A null data pointer (a default string_view) would bind SQL NULL rather than "".
    const char* data = text.data() != nullptr ? text.data() : "";
    return sqlite3_bind_text64(statement_.get(), position, data, text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8) == SQLITE_OK;
}

bool SqliteStatement::bindAt(int position, std::int64_t value) {
    return sqlite3_bind_int64(statement_.get(), position, value) == SQLITE_OK;
}

StepResult SqliteStatement::step() {
    const int result = sqlite3_step(statement_.get());
    if (result == SQLITE_ROW) {
        return StepResult::kRow;
    }
    if (result == SQLITE_DONE) {
        return StepResult::kDone;
    }
    error_code_ = result;
    return StepResult::kError;
}

std::int64_t SqliteStatement::columnInt64(int column) const {
    return sqlite3_column_int64(statement_.get(), column);
}

std::string SqliteStatement::columnText(int column) const {
    // Text first, then its size: the documented order, since reading the text may convert it.
    const unsigned char* text = sqlite3_column_text(statement_.get(), column);
    const int size = sqlite3_column_bytes(statement_.get(), column);
    if (text == nullptr || size <= 0) {
        return {};
    }
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

void SqliteStatement::reset() noexcept {
    if (statement_) {
        sqlite3_reset(statement_.get());
        sqlite3_clear_bindings(statement_.get());
    }
}

void SqliteConnection::Closer::operator()(sqlite3* db) const noexcept {
    // close_v2 defers the close if a statement is somehow still alive, rather than leaking.
    sqlite3_close_v2(db);
}

std::expected<SqliteConnection, std::string>
SqliteConnection::open(const std::filesystem::path& file) {
    sqlite3* raw = nullptr;
    // NOMUTEX: the owner serialises all use, so SQLite's own per-call mutex would be redundant.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int result = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    // Even a failed open usually allocates a handle, which carries the message and must be closed.
    SqliteConnection connection{raw};
    if (result != SQLITE_OK) {
        std::string reason = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(result);
        return std::unexpected("cannot open " + file.string() + ": " + reason);
    }
    sqlite3_extended_result_codes(raw, 1);
    for (auto [statement, sql] :
         {std::pair{&connection.begin_, "BEGIN IMMEDIATE"},
          std::pair{&connection.commit_, "COMMIT"}, std::pair{&connection.rollback_, "ROLLBACK"}}) {
        auto prepared = connection.prepare(sql);
        if (!prepared) {
            return std::unexpected(file.string() + ": " + prepared.error());
        }
        *statement = std::move(*prepared);
    }
    return connection;
}

std::expected<void, std::string> SqliteConnection::execute(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message) == SQLITE_OK) {
        return {};
    }
    std::string reason = message != nullptr ? message : errorMessage();
    sqlite3_free(message);
    return std::unexpected(std::move(reason));
}

std::expected<SqliteStatement, std::string> SqliteConnection::prepare(std::string_view sql) {
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return std::unexpected("statement too long");
    }
    sqlite3_stmt* raw = nullptr;
    const int result = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStatement statement{raw};
    if (result != SQLITE_OK || raw == nullptr) {
        return std::unexpected(errorMessage() + " in: " + std::string{sql});
    }
    return statement;
}

std::expected<std::int64_t, std::string> SqliteConnection::queryInt(const char* sql) {
    auto query = prepare(sql);
    if (!query) {
        return std::unexpected(query.error());
    }
    if (query->step() != StepResult::kRow) {
        return std::unexpected(errorMessage());
    }
    return query->columnInt64(0);
}

bool SqliteConnection::runCached(SqliteStatement& statement) {
    const StatementLease lease{statement};
    return lease->step() == StepResult::kDone;
}

bool SqliteConnection::begin() {
    return runCached(begin_);
}

bool SqliteConnection::commit() {
    return runCached(commit_);
}

void SqliteConnection::rollback() noexcept {
    // Nothing useful can follow a failed ROLLBACK; the next BEGIN then fails and is reported.
    runCached(rollback_);
}

bool SqliteConnection::inTransaction() const {
    return sqlite3_get_autocommit(db_.get()) == 0;
}

void SqliteConnection::setBusyTimeout(std::chrono::milliseconds timeout) {
    const auto millis = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0,
                                                                   std::numeric_limits<int>::max());
    sqlite3_busy_timeout(db_.get(), static_cast<int>(millis));
}

std::int64_t SqliteConnection::changes() const {
    return sqlite3_changes64(db_.get());
}

std::int64_t SqliteConnection::lastInsertRowid() const {
    return sqlite3_last_insert_rowid(db_.get());
}

std::string SqliteConnection::errorMessage() const {
    return sqlite3_errmsg(db_.get());
}

} // namespace parley::server
