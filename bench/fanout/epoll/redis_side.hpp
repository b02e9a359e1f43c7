#pragma once

// Redis pub/sub as a fan-out peer: subscriber connections SUBSCRIBE to one channel and count its
// "message" pushes; publisher connections (not subscribed) PUBLISH, and the integer reply, the
// number of subscribers reached, is the acknowledgement.

#include "resp_codec.hpp"
#include "side.hpp"

#include <string>

namespace parley::bench::epoll {

class RedisSide final : public Side {
public:
    RedisSide(EpollLoop& loop, std::string channel) : loop_(loop), channel_(std::move(channel)) {}

    std::string_view name() const override { return "redis"; }
    void onConnected(Conn& conn) override;
    std::size_t onBytes(Conn& conn, std::string_view bytes) override;
    void publish(Conn& conn, std::string_view body) override;

private:
    /// One parsed value; false when the connection failed on it.
    bool onValue(Conn& conn, const RespValue& value);
    void failConn(Conn& conn, const std::string& why);

    EpollLoop& loop_;
    std::string channel_;
};

} // namespace parley::bench::epoll
