#pragma once

// The client half of RFC 6455 the fan-out client needs, written here rather than taken from a
// library so that a delivery costs a header check and a view: the HTTP upgrade request and the
// check of its 101 reply, masked frames out, unmasked server frames in. A server frame larger
// than kMaxFrameBytes, a masked one, or an upgrade reply over 16 KiB is invalid.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::bench::epoll {

enum class WsStatus { complete, incomplete, invalid };

namespace ws_opcode {
inline constexpr int kContinuation = 0;
inline constexpr int kText = 1;
inline constexpr int kClose = 8;
inline constexpr int kPing = 9;
inline constexpr int kPong = 10;
} // namespace ws_opcode

/// The GET with the upgrade headers for `target` on `host` ("127.0.0.1:PORT").
std::string upgradeRequest(std::string_view host, std::string_view target);

/// Parses the server's reply to the upgrade from `pos`: complete (and `pos` past the blank line)
/// only for a 101; invalid for any other status, with the status line in `why`.
WsStatus parseUpgradeReply(std::string_view bytes, std::size_t& pos, std::string& why);

struct WsFrame {
    bool fin = false;
    int opcode = 0;
    std::string_view payload;
};

/// One server frame from `pos`; on complete moves `pos` past it.
WsStatus parseServerFrame(std::string_view bytes, std::size_t& pos, WsFrame& frame);

/// Appends a client frame (FIN set) with `payload` masked by `mask`.
void appendClientFrame(std::string& out, int opcode, std::string_view payload, std::uint32_t mask);

/// The close code of a close frame's payload, 1005 (none given) when it has none.
int closeCode(std::string_view payload);

} // namespace parley::bench::epoll
