#include "redis_side.hpp"

#include "resp_codec.hpp"

namespace parley::bench::epoll {

void RedisSide::onConnected(Conn& conn) {
    if (conn.subscriber) {
        std::string& out = loop_.outOf(conn);
        appendCommand(out, {"SUBSCRIBE", channel_});
        loop_.markDirty(conn);
        return;
    }
    conn.ready = true;
    events_->onReady(conn);
}

std::size_t RedisSide::onBytes(Conn& conn, std::string_view bytes) {
    std::size_t pos = 0;
    RespValue value;
    while (true) {
        const std::size_t start = pos;
        const RespStatus status = parseResp(bytes, pos, value);
        if (status == RespStatus::incomplete) {
            return start;
        }
        if (status == RespStatus::invalid) {
            failConn(conn, "unreadable RESP from the server");
            return start;
        }
        if (!onValue(conn, value)) {
            return pos;
        }
    }
}

bool RedisSide::onValue(Conn& conn, const RespValue& value) {
    if (value.type == ':') {
        events_->onAck(conn, true, value.scalar.integer, {});
        return true;
    }
    if (value.type == '-') {
        if (conn.publisher && conn.ready) {
            events_->onAck(conn, false, 0, value.scalar.text);
            return true;
        }
        failConn(conn, "error: " + std::string{value.scalar.text});
        return false;
    }
    if (value.type == '*' && value.count == 3 && value.items[0].text == "message") {
        events_->onDelivery(conn, value.items[2].text);
        return true;
    }
    if (value.type == '*' && value.count == 3 && value.items[0].text == "subscribe") {
        conn.ready = true;
        events_->onReady(conn);
        return true;
    }
    failConn(conn, "unexpected reply of type " + std::string(1, value.type));
    return false;
}

void RedisSide::publish(Conn& conn, std::string_view body) {
    appendCommand(loop_.outOf(conn), {"PUBLISH", channel_, body});
    loop_.markDirty(conn);
}

void RedisSide::failConn(Conn& conn, const std::string& why) {
    loop_.close(conn);
    events_->onFailure(conn, why);
}

} // namespace parley::bench::epoll
