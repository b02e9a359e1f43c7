#include "epoll_loop.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace parley::bench::epoll {

namespace {

/// One recv() takes up to this much: hundreds of small frames, so a busy connection costs one
/// system call per few thousand deliveries.
constexpr std::size_t kReadBytes = std::size_t{256} << 10U;
constexpr int kMaxEvents = 1024;

std::string errnoText(const char* what) {
    return std::string{what} + ": " + std::generic_category().message(errno);
}

} // namespace

std::int64_t nowNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

EpollLoop::EpollLoop() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), scratch_(kReadBytes) {
    if (epoll_fd_ < 0) {
        throw std::runtime_error(errnoText("epoll_create1"));
    }
}

EpollLoop::~EpollLoop() {
    for (auto& conn : conns_) {
        close(*conn);
    }
    ::close(epoll_fd_);
}

Conn& EpollLoop::add() {
    conns_.push_back(std::make_unique<Conn>());
    conns_.back()->index = conns_.size() - 1;
    return *conns_.back();
}

std::expected<void, std::string> EpollLoop::connect(Conn& conn, std::uint16_t port) {
    conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn.fd < 0) {
        return std::unexpected(errnoText("socket"));
    }
    const int one = 1;
    ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(conn.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(conn.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
        return std::unexpected(errnoText("connect"));
    }
    epoll_event event{.events = EPOLLIN | EPOLLOUT, .data = {.ptr = &conn}};
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn.fd, &event) != 0) {
        return std::unexpected(errnoText("epoll_ctl"));
    }
    conn.polling_out = true;
    return {};
}

void EpollLoop::send(Conn& conn, std::string_view bytes) {
    conn.out.append(bytes);
    markDirty(conn);
}

void EpollLoop::markDirty(Conn& conn) {
    if (!conn.dirty && !conn.closed) {
        conn.dirty = true;
        dirty_.push_back(&conn);
    }
}

void EpollLoop::close(Conn& conn) {
    if (conn.fd >= 0) {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd, nullptr);
        ::close(conn.fd);
        conn.fd = -1;
    }
    conn.closed = true;
}

void EpollLoop::poll(std::chrono::nanoseconds timeout) {
    flush(); // what was queued between polls goes out before the wait
    std::array<epoll_event, kMaxEvents> events{};
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const timespec wait{.tv_sec = seconds.count(), .tv_nsec = (timeout - seconds).count()};
    const int n = ::epoll_pwait2(epoll_fd_, events.data(), kMaxEvents, &wait, nullptr);
    for (int i = 0; i < n; ++i) {
        onEvent(*static_cast<Conn*>(events[static_cast<std::size_t>(i)].data.ptr),
                events[static_cast<std::size_t>(i)].events);
    }
    flush();
}

void EpollLoop::onEvent(Conn& conn, std::uint32_t events) {
    if (conn.closed) {
        return;
    }
    if (!conn.connected) {
        finishConnect(conn);
        return;
    }
    if ((events & EPOLLOUT) != 0U) {
        markDirty(conn);
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0U) {
        readFrom(conn);
    }
}

void EpollLoop::finishConnect(Conn& conn) {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
        errno = error;
        fail(conn, errnoText("connect"));
        return;
    }
    conn.connected = true;
    watchOut(conn, false);
    handler_->onConnected(conn);
}

void EpollLoop::readFrom(Conn& conn) {
    const std::size_t kept = conn.carry.size();
    if (scratch_.size() < kept + kReadBytes) {
        scratch_.resize(kept + kReadBytes); // a frame larger than one read; the sides cap it
    }
    std::memcpy(scratch_.data(), conn.carry.data(), kept);
    const ssize_t n = receive(conn, scratch_.data() + kept, scratch_.size() - kept);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        fail(conn, n == 0 ? std::string{"closed by the server"} : errnoText("recv"));
        return;
    }
    read_nanos_ = nowNanos();
    const std::size_t total = kept + static_cast<std::size_t>(n);
    const std::size_t used = handler_->onBytes(conn, {scratch_.data(), total});
    if (!conn.closed) {
        conn.carry.assign(scratch_.data() + used, total - used);
    }
}

ssize_t EpollLoop::receive(Conn& conn, char* into, std::size_t capacity) {
    if (!stamp_receipts_) {
        return ::recv(conn.fd, into, capacity, 0);
    }
    iovec buffer{.iov_base = into, .iov_len = capacity};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    msghdr message{};
    message.msg_iov = &buffer;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(conn.fd, &message, 0);
    kernel_nanos_ = 0;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); n > 0 && header != nullptr;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
            timespec stamp{};
            std::memcpy(&stamp, CMSG_DATA(header), sizeof stamp);
            kernel_nanos_ = stamp.tv_sec * 1'000'000'000LL + stamp.tv_nsec;
        }
    }
    return n;
}

void EpollLoop::flush() {
    // By index: a failed send reports the failure, and what that does may queue more writes.
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
        Conn* conn = dirty_[i];
        conn->dirty = false;
        if (!conn->closed) {
            flushOne(*conn);
        }
    }
    dirty_.clear();
}

void EpollLoop::flushOne(Conn& conn) {
    if (!conn.connected) {
        return; // finishConnect sends what was queued before the connect completed
    }
    while (conn.out_sent < conn.out.size()) {
        const ssize_t n = ::send(conn.fd, conn.out.data() + conn.out_sent,
                                 conn.out.size() - conn.out_sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) {
                watchOut(conn, true);
                return;
            }
            fail(conn, errnoText("send"));
            return;
        }
        conn.out_sent += static_cast<std::size_t>(n);
    }
    conn.out.clear();
    conn.out_sent = 0;
    watchOut(conn, false);
}

void EpollLoop::watchOut(Conn& conn, bool on) {
    if (conn.polling_out == on) {
        return;
    }
    epoll_event event{.events = EPOLLIN | (on ? EPOLLOUT : 0U), .data = {.ptr = &conn}};
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &event);
    conn.polling_out = on;
}

void EpollLoop::fail(Conn& conn, const std::string& why) {
    close(conn);
    handler_->onClosed(conn, why);
}

} // namespace parley::bench::epoll
