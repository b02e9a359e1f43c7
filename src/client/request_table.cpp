#include "client/request_table.hpp"

#include "protocol/codes.hpp"
#include "protocol/names.hpp"

#include <utility>

namespace parley::client {

namespace {

// A frame the server would refuse by closing the connection (1009), refused here instead with
// the code the server gives the same cause when it can reply.
Error frameTooLarge(std::string_view op, std::size_t bytes) {
    const bool message = op == protocol::MessageSendRequest::kOp;
    const auto code =
        message ? protocol::ErrorCode::kBodyTooLarge : protocol::ErrorCode::kInvalidArgument;
    return Error{.code = static_cast<int>(code),
                 .message = std::string{message ? "message too long" : "request too large"} +
                            ": its frame would be " + std::to_string(bytes) + " bytes, over the " +
                            std::to_string(protocol::kMaxFrameBytes) + "-byte frame limit"};
}

} // namespace

void RequestTable::enqueue(std::string_view op, Json args, ReplyHandler on_reply, Lane lane) {
    if (lane == Lane::kApp && app_lane_.size() >= max_queued_) {
        on_reply(std::unexpected(
            Error::client(ClientErrorCode::kQueueFull, "too many requests waiting to be sent (" +
                                                           std::to_string(app_lane_.size()) +
                                                           "); wait for some to complete")));
        return;
    }
    const std::uint64_t id = next_id_++;
    std::string frame = protocol::encodeRequest(id, op, std::move(args));
    if (frame.size() > protocol::kMaxFrameBytes) {
        on_reply(std::unexpected(frameTooLarge(op, frame.size())));
        return;
    }
    auto& queue = lane == Lane::kApp ? app_lane_ : connection_lane_;
    queue.push_back(Queued{.id = id, .frame = std::move(frame), .on_reply = std::move(on_reply)});
}

std::optional<RequestTable::TimePoint> RequestTable::pump(Connection& connection, TimePoint now,
                                                          bool app_lane_open) {
    for (;;) {
        auto* lane = !connection_lane_.empty()             ? &connection_lane_
                     : app_lane_open && !app_lane_.empty() ? &app_lane_
                                                           : nullptr;
        if (lane == nullptr) {
            return std::nullopt;
        }
        const auto at = pacer_.nextSendAt(sent_.size(), now);
        if (!at || *at > now) {
            return at;
        }
        Queued next = std::move(lane->front());
        lane->pop_front();
        pacer_.onSent(now);
        ++sent_on_connection_;
        sent_.emplace(next.id, std::move(next.on_reply));
        connection.send(std::move(next.frame));
    }
}

bool RequestTable::complete(protocol::Reply&& reply, TimePoint now) {
    const auto found = sent_.find(reply.reply_to);
    if (found == sent_.end()) {
        return false;
    }
    ReplyHandler handler = std::move(found->second);
    sent_.erase(found);
    pacer_.onReply(now);
    if (reply.error) {
        handler(std::unexpected(toError(*reply.error)));
    } else {
        handler(std::move(reply.body));
    }
    return true;
}

void RequestTable::fail(ClientErrorCode code, bool queued_too) {
    pacer_.reset();
    sent_on_connection_ = 0;
    // Taken out first: a handler may send or queue again (an update_token retried by init).
    auto sent = std::exchange(sent_, {});
    auto own = std::exchange(connection_lane_, {});
    for (auto& [id, handler] : sent) {
        handler(std::unexpected(Error::client(code)));
    }
    for (auto& request : own) {
        request.on_reply(std::unexpected(Error::client(code)));
    }
    if (!queued_too) {
        return;
    }
    auto queued = std::exchange(app_lane_, {});
    for (auto& request : queued) {
        request.on_reply(std::unexpected(Error::client(code)));
    }
}

} // namespace parley::client
