#include "parley_side.hpp"

#include <cstring>
#include <utility>

namespace parley::bench::epoll {

namespace {

enum Stage : int { kUpgrading = 0, kSigningIn = 1, kReady = 2 };

constexpr std::string_view kMessageEvent = R"("event":"message")";
constexpr std::string_view kBodyKey = R"("body":")";

std::string_view after(std::string_view text, std::string_view needle) {
    const void* hit = ::memmem(text.data(), text.size(), needle.data(), needle.size());
    if (hit == nullptr) {
        return {};
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    return text.substr(at + needle.size());
}

} // namespace

ParleySide::ParleySide(EpollLoop& loop, std::string host, std::vector<std::string> tokens,
                       std::string channel)
    : loop_(loop), host_(std::move(host)), tokens_(std::move(tokens)),
      channel_(std::move(channel)) {}

void ParleySide::onConnected(Conn& conn) {
    conn.stage = kUpgrading;
    loop_.send(conn, upgradeRequest(host_, "/v1/ws"));
}

std::size_t ParleySide::onBytes(Conn& conn, std::string_view bytes) {
    std::size_t pos = 0;
    if (conn.stage == kUpgrading) {
        std::string why;
        const WsStatus status = parseUpgradeReply(bytes, pos, why);
        if (status != WsStatus::complete) {
            if (status == WsStatus::invalid) {
                failConn(conn, why);
            }
            return pos;
        }
        conn.stage = kSigningIn;
        conn.next_request_id = kInitId + 1;
        sendText(conn, R"({"id":1,"op":"init","token":")" + tokens_.at(conn.index) + "\"}");
    }
    WsFrame frame;
    while (true) {
        const std::size_t start = pos;
        const WsStatus status = parseServerFrame(bytes, pos, frame);
        if (status == WsStatus::incomplete) {
            return start;
        }
        if (status == WsStatus::invalid) {
            failConn(conn, "unreadable WebSocket frame from the server");
            return start;
        }
        if (!onFrame(conn, frame)) {
            return pos;
        }
    }
}

bool ParleySide::onFrame(Conn& conn, const WsFrame& frame) {
    switch (frame.opcode) {
    case ws_opcode::kText:
    case ws_opcode::kContinuation:
        if (frame.fin && conn.fragments.empty()) {
            return onText(conn, frame.payload);
        }
        if (conn.fragments.size() + frame.payload.size() > kMaxFrameBytes) {
            failConn(conn, "fragmented message over 1 MiB");
            return false;
        }
        conn.fragments.append(frame.payload);
        if (frame.fin) {
            const bool alive = onText(conn, conn.fragments);
            conn.fragments.clear();
            return alive;
        }
        return true;
    case ws_opcode::kPing:
        appendClientFrame(loop_.outOf(conn), ws_opcode::kPong, frame.payload, mask_state_);
        loop_.markDirty(conn);
        return true;
    case ws_opcode::kClose:
        failConn(conn, "closed by the server with " + std::to_string(closeCode(frame.payload)));
        return false;
    default:
        return true; // pong
    }
}

bool ParleySide::onText(Conn& conn, std::string_view text) {
    if (const std::string_view tail = after(text, kMessageEvent); !tail.empty()) {
        const std::string_view body_on = after(tail, kBodyKey);
        const std::size_t end = body_on.find('"');
        if (end == std::string_view::npos) {
            failConn(conn, "message event without a body");
            return false;
        }
        events_->onDelivery(conn, body_on.substr(0, end));
        return !conn.closed;
    }
    return onJson(conn, text);
}

bool ParleySide::onJson(Conn& conn, std::string_view text) {
    simdjson::dom::element root;
    if (parser_.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
        failConn(conn, "a frame that is not JSON");
        return false;
    }
    simdjson::dom::element reply_to;
    if (root["reply_to"].get(reply_to) == simdjson::SUCCESS) {
        return onReply(conn, root);
    }
    return true; // member_joined and lifecycle events: not part of the measure
}

bool ParleySide::onReply(Conn& conn, simdjson::dom::element root) {
    bool ok = false;
    std::string_view why = "a reply without ok";
    if (root["ok"].get(ok) == simdjson::SUCCESS && !ok &&
        root["error"]["message"].get(why) != simdjson::SUCCESS) {
        why = "a refusal without error.message";
    }
    if (conn.stage == kSigningIn) {
        if (!ok) {
            failConn(conn, "init refused: " + std::string{why});
            return false;
        }
        conn.stage = kReady;
        conn.ready = true;
        events_->onReady(conn);
        return !conn.closed;
    }
    events_->onAck(conn, ok, -1, why);
    return !conn.closed;
}

void ParleySide::publish(Conn& conn, std::string_view body) {
    frame_text_ = R"({"id":)";
    frame_text_ += std::to_string(conn.next_request_id++);
    frame_text_ += R"(,"op":"message.send","channel":")";
    frame_text_ += channel_;
    frame_text_ += R"(","body":")";
    frame_text_ += body;
    frame_text_ += "\"}";
    sendText(conn, frame_text_);
}

void ParleySide::sendText(Conn& conn, std::string_view text) {
    // xorshift32: masks that change from frame to frame, as RFC 6455 asks of a client.
    mask_state_ ^= mask_state_ << 13U;
    mask_state_ ^= mask_state_ >> 17U;
    mask_state_ ^= mask_state_ << 5U;
    appendClientFrame(loop_.outOf(conn), ws_opcode::kText, text, mask_state_);
    loop_.markDirty(conn);
}

void ParleySide::failConn(Conn& conn, const std::string& why) {
    loop_.close(conn);
    events_->onFailure(conn, why);
}

} // namespace parley::bench::epoll
