#include "client/request_table.hpp"

#include <utility>

namespace parley::client {

void RequestTable::send(Connection& connection, std::string_view op, Json args,
                        ReplyHandler on_reply) {
    const std::uint64_t id = next_id_++;
    sent_.emplace(id, std::move(on_reply));
    connection.send(protocol::encodeRequest(id, op, std::move(args)));
}

void RequestTable::queue(std::string_view op, Json args, ReplyHandler on_reply) {
    if (queue_.size() >= max_queued_) {
        on_reply(std::unexpected(Error::client(ClientErrorCode::kQueueFull)));
        return;
    }
    queue_.push_back(Queued{.op = op, .args = std::move(args), .on_reply = std::move(on_reply)});
}

void RequestTable::flush(Connection& connection) {
    while (!queue_.empty()) {
        Queued next = std::move(queue_.front());
        queue_.pop_front();
        send(connection, next.op, std::move(next.args), std::move(next.on_reply));
    }
}

bool RequestTable::complete(protocol::Reply&& reply) {
    const auto found = sent_.find(reply.reply_to);
    if (found == sent_.end()) {
        return false;
    }
    ReplyHandler handler = std::move(found->second);
    sent_.erase(found);
    if (reply.error) {
        handler(std::unexpected(toError(*reply.error)));
    } else {
        handler(std::move(reply.body));
    }
    return true;
}

void RequestTable::fail(ClientErrorCode code, bool queued_too) {
    // Taken out first: a handler may send or queue again (an update_token retried by init).
    auto sent = std::exchange(sent_, {});
    for (auto& [id, handler] : sent) {
        handler(std::unexpected(Error::client(code)));
    }
    if (!queued_too) {
        return;
    }
    auto queued = std::exchange(queue_, {});
    for (auto& request : queued) {
        request.on_reply(std::unexpected(Error::client(code)));
    }
}

} // namespace parley::client
