#pragma once

// A TCP socket for Beast's websocket::stream that remembers when the kernel received the bytes of
// its latest read (SO_TIMESTAMPNS). The load program runs on the same cores as the server it
// measures; reading the system clock when its own thread gets round to a frame would add its
// backlog to the server's lateness. The kernel's receive stamp is when the frame reached the
// client's machine, which is what a client on a machine of its own would see.
//
// A read that returns several segments carries only the stamp of the last one, so no read here
// crosses the end of a WebSocket frame: each frame's stamp is the arrival of its own last byte, not
// of a frame sent after it (token_expired is followed by the close frame, which the server sends
// later). The frame header is peeked to learn the frame's length; a header split across segments
// (never seen from parley, which writes header and payload together) turns the bound off, and then
// a frame's stamp can only be late, never early.

#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <utility>

namespace parley::load {

class StampedSocket {
public:
    using Socket = boost::asio::ip::tcp::socket;
    using executor_type = Socket::executor_type;
    using next_layer_type = Socket;
    using Wall = std::chrono::system_clock::time_point;

    explicit StampedSocket(boost::asio::io_context& io) : socket_(io) {}

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    Socket& next_layer() noexcept { return socket_; }
    const Socket& next_layer() const noexcept { return socket_; }

    /// Asks the kernel to stamp received data; call once the socket is open.
    boost::system::error_code enableStamps() {
        const int on = 1;
        if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) !=
            0) {
            return {errno, boost::system::system_category()};
        }
        return {};
    }

    /// From now on no read crosses the end of a WebSocket frame; call once the handshake is done.
    void boundReadsToFrames() noexcept { bounded_ = true; }

    /// Kernel receive time of the last segment of the latest read; the epoch before any read.
    Wall lastArrival() const noexcept { return last_arrival_; }

    template <class MutableBuffers, class ReadToken>
    auto async_read_some(const MutableBuffers& buffers, ReadToken&& token) {
        return boost::asio::async_compose<ReadToken, void(boost::system::error_code, std::size_t)>(
            ReadOp<MutableBuffers>{*this, buffers}, token, socket_);
    }

    template <class ConstBuffers, class WriteToken>
    auto async_write_some(const ConstBuffers& buffers, WriteToken&& token) {
        return socket_.async_write_some(buffers, std::forward<WriteToken>(token));
    }

private:
    // Waits for readability, then reads with recvmsg to get the stamp. Asio re-arms its
    // edge-triggered registration for every wait, so data that came before the wait still wakes
    // it; a wake that finds nothing (EAGAIN) waits again.
    template <class MutableBuffers> struct ReadOp {
        StampedSocket& owner;
        MutableBuffers buffers;
        bool waiting = false;

        template <class Self> void operator()(Self& self, boost::system::error_code error = {}) {
            if (!waiting) {
                waiting = true;
                owner.socket_.async_wait(Socket::wait_read, std::move(self));
                return;
            }
            if (error) {
                self.complete(error, 0);
                return;
            }
            std::size_t bytes = 0;
            if (owner.receive(buffers, bytes, error)) {
                self.complete(error, bytes);
                return;
            }
            owner.socket_.async_wait(Socket::wait_read, std::move(self));
        }
    };

    /// Bytes of the frame whose first `size` bytes are `head`, or 0 when its header is longer.
    static std::uint64_t frameSize(const unsigned char* head, std::size_t size) {
        if (size < 2) {
            return 0;
        }
        std::uint64_t payload = head[1] & 0x7fU;
        std::size_t header = 2;
        const std::size_t extended = payload == 126 ? 2 : payload == 127 ? 8 : 0;
        if (extended != 0) {
            if (size < 2 + extended) {
                return 0;
            }
            payload = 0;
            for (std::size_t i = 0; i < extended; ++i) {
                payload = (payload << 8U) | head[2 + i];
            }
            header += extended;
        }
        header += (head[1] & 0x80U) != 0 ? 4 : 0;
        return header + payload;
    }

    /// At a frame boundary: the bytes the next read may take so as to stop at that frame's end,
    /// from its header read with MSG_PEEK. Empty when nothing has arrived yet (wait again);
    /// unbounded when the peek sees the end of the stream or an error (the read reports it).
    std::optional<std::uint64_t> boundAtFrameStart() {
        std::array<unsigned char, 14> head{};
        const ssize_t peeked =
            ::recv(socket_.native_handle(), head.data(), head.size(), MSG_PEEK | MSG_DONTWAIT);
        if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return std::nullopt;
        }
        if (peeked <= 0) {
            return UINT64_MAX;
        }
        const std::uint64_t size = frameSize(head.data(), static_cast<std::size_t>(peeked));
        if (size == 0) {
            bounded_ = false;
            return UINT64_MAX;
        }
        frame_left_ = size;
        return size;
    }

    /// One non-blocking recvmsg. False when there was nothing to read yet.
    template <class MutableBuffers>
    bool receive(const MutableBuffers& buffers, std::size_t& bytes,
                 boost::system::error_code& error) {
        std::uint64_t limit = UINT64_MAX;
        if (bounded_) {
            const std::optional<std::uint64_t> bound =
                frame_left_ != 0 ? frame_left_ : boundAtFrameStart();
            if (!bound) {
                return false;
            }
            limit = *bound;
        }
        std::array<iovec, 16> vectors{};
        std::size_t count = 0;
        std::size_t wanted = 0;
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers) && count < vectors.size() &&
             wanted < limit;
             ++it) {
            const boost::asio::mutable_buffer buffer = *it;
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), limit - wanted));
            if (take != 0) {
                vectors[count++] = iovec{buffer.data(), take};
                wanted += take;
            }
        }
        if (wanted == 0) {
            return true;
        }
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
        msghdr message{};
        message.msg_iov = vectors.data();
        message.msg_iovlen = count;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        const ssize_t got = ::recvmsg(socket_.native_handle(), &message, MSG_DONTWAIT);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return false;
            }
            error = {errno, boost::system::system_category()};
            return true;
        }
        if (got == 0) {
            error = boost::asio::error::eof;
            return true;
        }
        bytes = static_cast<std::size_t>(got);
        // A read the kernel did not stamp gets this program's clock: late, never early.
        last_arrival_ = std::chrono::system_clock::now();
        if (bounded_ && frame_left_ != 0) {
            frame_left_ -= bytes;
        }
        for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
             header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
                timespec stamp{};
                std::memcpy(&stamp, CMSG_DATA(header), sizeof stamp);
                last_arrival_ = Wall{std::chrono::duration_cast<Wall::duration>(
                    std::chrono::seconds{stamp.tv_sec} + std::chrono::nanoseconds{stamp.tv_nsec})};
            }
        }
        return true;
    }

    Socket socket_;
    Wall last_arrival_{};
    /// Bytes of the current frame not read yet; 0 at a frame boundary.
    std::uint64_t frame_left_ = 0;
    /// Reads stop at frame ends: from the end of the HTTP handshake on, until a frame header
    /// arrives split across segments.
    bool bounded_ = false;
};

// Beast closes a websocket by tearing down its next layer; for this one that is the TCP socket.
inline void teardown(boost::beast::role_type role, StampedSocket& socket,
                     boost::system::error_code& error) {
    boost::beast::websocket::teardown(role, socket.next_layer(), error);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, StampedSocket& socket,
                    TeardownHandler&& handler) {
    boost::beast::websocket::async_teardown(role, socket.next_layer(),
                                            std::forward<TeardownHandler>(handler));
}

} // namespace parley::load
