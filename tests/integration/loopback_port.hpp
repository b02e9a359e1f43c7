#pragma once

// A loopback port bound and not listening: connecting to it is refused, and no other process can
// take it while the test holds it, until release() hands it to a server the test starts there.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace parley::testing {

class HeldPort {
public:
    HeldPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof(address);
        auto* raw = reinterpret_cast<sockaddr*>(&address); // the sockets API's own cast
        if (fd_ < 0 || ::bind(fd_, raw, size) != 0 || ::getsockname(fd_, raw, &size) != 0) {
            release();
            throw std::runtime_error("cannot bind a loopback port");
        }
        port_ = ntohs(address.sin_port);
    }
    ~HeldPort() { release(); }
    HeldPort(const HeldPort&) = delete;
    HeldPort& operator=(const HeldPort&) = delete;

    std::uint16_t port() const { return port_; }
    /// Frees the port (for a server to listen on). Idempotent.
    void release() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_;
    std::uint16_t port_ = 0;
};

} // namespace parley::testing
