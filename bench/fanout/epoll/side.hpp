#pragma once

// What the fan-out method needs from a peer's protocol (Redis pub/sub or Parley over
// WebSocket), and what the protocol tells the method. The two sides turn their wire formats into
// the same four events, so the method (fanout_driver.hpp) is one piece of code for both peers.

#include "epoll_loop.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::bench::epoll {

class SideEvents {
public:
    virtual ~SideEvents() = default;
    /// Subscribed (Redis) or signed in (Parley): the connection may take part.
    virtual void onReady(Conn& conn) = 0;
    /// A message of the channel arrived; `body` is the published body.
    virtual void onDelivery(Conn& conn, std::string_view body) = 0;
    /// A publish was answered: Redis's integer reply (`receivers` = subscribers reached) or
    /// Parley's `message.send` reply (`receivers` = -1). `ok` false: refused, with why.
    virtual void onAck(Conn& conn, bool ok, std::int64_t receivers, std::string_view why) = 0;
    /// The connection failed or was closed; it takes no further part.
    virtual void onFailure(Conn& conn, const std::string& why) = 0;
};

class Side : public EpollLoop::Handler {
public:
    /// "redis" or "parley".
    virtual std::string_view name() const = 0;
    /// Queues one publish of `body` on a ready publisher connection.
    virtual void publish(Conn& conn, std::string_view body) = 0;
    void setEvents(SideEvents& events) { events_ = &events; }

    void onClosed(Conn& conn, const std::string& why) override { events_->onFailure(conn, why); }

protected:
    SideEvents* events_ = nullptr;
};

/// Limit on anything one frame or reply may be: the only messages are 100-byte bodies and short
/// replies, so a larger one is a broken stream, not a message.
inline constexpr std::size_t kMaxFrameBytes = std::size_t{1} << 20U;

} // namespace parley::bench::epoll
