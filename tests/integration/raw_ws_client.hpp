#pragma once

// A WebSocket client made of a plain blocking TCP socket and hand-built frames, for the bytes a
// WebSocket library would never send (unmasked frames, invalid UTF-8, fragments with a ping
// between them, several frames in one write) and for watching every frame the server sends,
// pings and close frames included. Every read has a deadline: a test waits for bytes, never
// sleeps.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::testing {

/// RFC 6455 opcodes.
enum class WsOpcode : std::uint8_t {
    kContinuation = 0x0,
    kText = 0x1,
    kBinary = 0x2,
    kClose = 0x8,
    kPing = 0x9,
    kPong = 0xA,
};

/// A frame as a client sends it: masked (with a fixed key; the server must unmask whatever it
/// is), `fin` unless it is a fragment that more follow.
std::string clientFrame(WsOpcode opcode, std::string_view payload, bool fin = true);
/// The same frame without the mask, which RFC 6455 forbids from a client.
std::string unmaskedClientFrame(WsOpcode opcode, std::string_view payload);
/// A close frame's payload: the code (big-endian), then the reason.
std::string closePayload(std::uint16_t code, std::string_view reason = {});

/// "GET /v1/ws" with the upgrade headers; `key` and `version` are left out when empty.
std::string upgradeRequest(std::string_view key = "dGhlIHNhbXBsZSBub25jZQ==",
                           std::string_view version = "13");

/// One frame from the server.
struct ServerFrame {
    bool fin = true;
    WsOpcode opcode = WsOpcode::kText;
    std::string payload;

    /// A close frame's code; 1005 (no status) when the payload has none.
    std::uint16_t closeCode() const;
    std::string closeReason() const;
};

class RawWsClient {
public:
    /// Connects to 127.0.0.1:`port`; nothing is sent yet.
    explicit RawWsClient(std::uint16_t port);

    /// Sends the upgrade request and reads the 101; throws if the answer is anything else.
    void upgrade();

    void sendRaw(std::string_view bytes);
    void send(WsOpcode opcode, std::string_view payload) { sendRaw(clientFrame(opcode, payload)); }
    void sendText(std::string_view text) { send(WsOpcode::kText, text); }

    /// The HTTP response head (status line and headers), once it has arrived; nullopt on
    /// timeout or end of the connection.
    std::optional<std::string>
    readHttpHead(std::chrono::milliseconds timeout = std::chrono::seconds{5});
    /// The next frame; nullopt on timeout or end of the connection.
    std::optional<ServerFrame> readFrame(std::chrono::milliseconds timeout = std::chrono::seconds{
                                             5});
    /// The next frame that is not a ping (pings are answered by nothing: a test that wants
    /// them reads them with readFrame).
    std::optional<ServerFrame> readNonPing(std::chrono::milliseconds timeout = std::chrono::seconds{
                                               5});
    /// Whether the server closed the connection (EOF or reset) before `timeout`. Bytes that
    /// arrive first are kept for readFrame, and counted by unreadBytes().
    bool waitForEnd(std::chrono::milliseconds timeout = std::chrono::seconds{5});
    std::size_t unreadBytes() const { return buffer_.size(); }
    bool ended() const { return ended_; }

private:
    using Deadline = std::chrono::steady_clock::time_point;
    /// Reads what has arrived into buffer_, waiting until `deadline`; false on timeout or end.
    bool fill(Deadline deadline);
    /// A whole frame from the front of buffer_, if it holds one.
    std::optional<ServerFrame> takeFrame();

    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    std::string buffer_; // received and not yet taken
    bool ended_ = false;
};

} // namespace parley::testing
