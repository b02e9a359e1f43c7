#pragma once

// Parley as a fan-out peer, spoken as docs/protocol.md describes it: every connection is a member
// of the channel with its own identity; it upgrades to WebSocket on /v1/ws, signs in with `init`
// (its own minted token), then counts the channel's `message` events. Publishers are members too
// and send `message.send`; its reply is the acknowledgement.
//
// A `message` event is recognised without a JSON parse (the text `"event":"message"`, then the
// body after `"body":"`; the bench's bodies have no escapes): the client must stay far cheaper per
// delivery than the server. Every other frame (replies, other events) goes through simdjson.

#include "side.hpp"
#include "ws_codec.hpp"

#include <simdjson.h>

#include <string>
#include <vector>

namespace parley::bench::epoll {

class ParleySide final : public Side {
public:
    /// `tokens[i]` signs in connection i; `channel` is the SID (or unique name) to send to.
    ParleySide(EpollLoop& loop, std::string host, std::vector<std::string> tokens,
               std::string channel);

    std::string_view name() const override { return "parley"; }
    void onConnected(Conn& conn) override;
    std::size_t onBytes(Conn& conn, std::string_view bytes) override;
    void publish(Conn& conn, std::string_view body) override;

private:
    static constexpr std::uint64_t kInitId = 1;

    /// Handles one frame; false when the connection failed on it.
    bool onFrame(Conn& conn, const WsFrame& frame);
    bool onText(Conn& conn, std::string_view text);
    bool onJson(Conn& conn, std::string_view text);
    bool onReply(Conn& conn, simdjson::dom::element root);
    void sendText(Conn& conn, std::string_view text);
    void failConn(Conn& conn, const std::string& why);

    EpollLoop& loop_;
    std::string host_;
    std::vector<std::string> tokens_;
    std::string channel_;
    simdjson::dom::parser parser_;
    std::string frame_text_;
    std::uint32_t mask_state_ = 0x9E3779B9U;
};

} // namespace parley::bench::epoll
