// PostgresStore::appendMessages, the group commit: many messages in one transaction, so they
// share one WAL flush (the cost of a commit with synchronous_commit on) and, for one channel, one
// UPDATE of its row (the row lock every sender of that channel queues on).

#include "server/store/postgres_store.hpp"
#include "server/store/postgres_store_internal.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace parley::server {

namespace {

constexpr std::size_t kColumns = 7;
// Rows per INSERT: a run is cut into powers of two up to this, so a connection prepares at most
// six INSERT statements whatever the batch sizes (statements are prepared per SQL text).
constexpr std::size_t kMaxRowsPerInsert = 32;
constexpr std::size_t kInsertShapes = std::bit_width(kMaxRowsPerInsert);

std::string insertText(std::size_t rows) {
    std::string sql = "INSERT INTO messages (channel, idx, sid, author, body, attributes, "
                      "date_created) VALUES ";
    std::size_t parameter = 0;
    for (std::size_t row = 0; row < rows; ++row) {
        sql += row == 0 ? "(" : ", (";
        for (std::size_t column = 0; column < kColumns; ++column) {
            sql += (column == 0 ? "$" : ", $") + std::to_string(++parameter);
        }
        sql += ")";
    }
    return sql;
}

/// The INSERT of 2^shape rows.
const std::string& insertOf(std::size_t shape) {
    static const std::array<std::string, kInsertShapes> texts = [] {
        std::array<std::string, kInsertShapes> built;
        for (std::size_t power = 0; power < kInsertShapes; ++power) {
            built.at(power) = insertText(std::size_t{1} << power);
        }
        return built;
    }();
    return texts.at(shape);
}

} // namespace

StoreResult<void> PostgresStore::appendRun(PgConnection& connection,
                                           std::span<const NewMessage> run,
                                           std::vector<Message>& appended) {
    const auto count = static_cast<std::int64_t>(run.size());
    const auto taken = connection.run("UPDATE channels SET next_index = next_index + $2 "
                                      "WHERE sid = $1 RETURNING seq, next_index - $2",
                                      run.front().channel_sid, count);
    if (!taken) {
        return fail(taken.error());
    }
    if (taken->rows() == 0) {
        return std::unexpected(StoreError::kNotFound);
    }
    const std::int64_t channel = taken->integer(0, 0);
    std::int64_t index = taken->integer(0, 1);
    while (!run.empty()) {
        const std::size_t shape = std::bit_width(std::min(run.size(), kMaxRowsPerInsert)) - 1;
        const std::size_t rows = std::size_t{1} << shape;
        std::vector<PgParam> parameters;
        parameters.reserve(rows * kColumns);
        for (const NewMessage& message : run.first(rows)) {
            parameters.push_back(pgParam(channel));
            parameters.push_back(pgParam(index));
            parameters.push_back(pgParam(message.sid));
            parameters.push_back(pgParam(message.author));
            parameters.push_back(pgParam(PgBytes{message.body}));
            parameters.push_back(pgParam(message.attributes_json));
            parameters.push_back(pgParam(toStoredMillis(message.now)));
            appended.push_back(message.stored(index++));
        }
        if (auto inserted = connection.exec(insertOf(shape), parameters); !inserted) {
            return fail(inserted.error());
        }
        run = run.subspan(rows);
    }
    return {};
}

StoreResult<std::vector<Message>>
PostgresStore::appendMessages(std::span<const NewMessage> messages) {
    std::vector<Message> appended;
    if (messages.empty()) {
        return appended;
    }
    auto connection = lease();
    if (!connection) {
        return std::unexpected(connection.error());
    }
    appended.reserve(messages.size());
    PgTransaction transaction{**connection}; // rolls back every row on an early return
    if (auto begun = transaction.begin(); !begun) {
        return fail(begun.error());
    }
    while (!messages.empty()) {
        std::size_t length = 1; // the run of messages to the same channel
        while (length < messages.size() &&
               messages[length].channel_sid == messages.front().channel_sid) {
            ++length;
        }
        if (auto stored = appendRun(**connection, messages.first(length), appended); !stored) {
            return std::unexpected(stored.error());
        }
        messages = messages.subspan(length);
    }
    if (auto committed = transaction.commit(); !committed) {
        return fail(committed.error());
    }
    return appended;
}

} // namespace parley::server
