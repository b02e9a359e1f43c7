#pragma once

// The load client's network loop: one thread, one epoll set, non-blocking TCP sockets to a
// loopback server. No Asio here: the client must cost far less per delivery than the servers it
// measures (Redis delivers a 100-byte message in a fraction of a microsecond), so a read is one
// recv() of up to 256 KiB into a buffer shared by every connection, parsed in place, and writes
// queued during a pass go out as one send() per connection at the end of the pass.
//
// Threading: everything runs on the thread that calls poll().

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench::epoll {

using Clock = std::chrono::steady_clock;

/// The system clock in ns since the epoch: the clock of the send stamps in the bodies, because
/// the kernel's receive stamps (SO_TIMESTAMPNS) are on it.
std::int64_t nowNanos();

/// One client connection. The protocol sides (Redis, Parley) keep their state here too, so that
/// the loop and the sides share one object per socket.
struct Conn {
    int fd = -1;
    std::size_t index = 0;
    /// Receives the channel's messages (every Parley member; Redis SUBSCRIBE connections).
    bool subscriber = false;
    /// Sends messages (Parley: also a member; Redis: a connection of its own).
    bool publisher = false;
    bool connected = false;
    bool ready = false;
    bool closed = false;

    // Loop state.
    bool dirty = false;
    bool polling_out = false;
    std::string out;
    std::size_t out_sent = 0;
    /// The incomplete tail of the last read, put in front of the next one.
    std::string carry;

    // Protocol state.
    int stage = 0;
    std::string fragments;
    std::uint64_t next_request_id = 1;

    // The method's counters.
    std::uint64_t received = 0;
    std::uint64_t in_flight = 0;
};

class EpollLoop {
public:
    /// What a protocol side does with a connection's bytes.
    class Handler {
    public:
        virtual ~Handler() = default;
        virtual void onConnected(Conn& conn) = 0;
        /// Parses what is complete in `bytes` and returns how many bytes it used; the rest is
        /// kept and handed back in front of the next read.
        virtual std::size_t onBytes(Conn& conn, std::string_view bytes) = 0;
        virtual void onClosed(Conn& conn, const std::string& why) = 0;
    };

    EpollLoop();
    ~EpollLoop();
    EpollLoop(const EpollLoop&) = delete;
    EpollLoop& operator=(const EpollLoop&) = delete;

    void setHandler(Handler& handler) { handler_ = &handler; }

    /// A new connection (not connected yet); the loop owns it.
    Conn& add();
    std::vector<std::unique_ptr<Conn>>& conns() { return conns_; }

    /// Starts a non-blocking connect to 127.0.0.1:port; onConnected follows from poll().
    std::expected<void, std::string> connect(Conn& conn, std::uint16_t port);
    /// Queues bytes; they go out at the end of the current (or next) poll().
    void send(Conn& conn, std::string_view bytes);
    /// The queue itself, for a side that builds a frame in place; call markDirty() after.
    std::string& outOf(Conn& conn) { return conn.out; }
    void markDirty(Conn& conn);
    /// Closes the socket (no callback).
    void close(Conn& conn);

    /// Flushes queued writes, waits up to `timeout` for readiness, handles it, flushes again.
    void poll(std::chrono::nanoseconds timeout);
    /// Reads with recvmsg() and the kernel's receive stamp (SO_TIMESTAMPNS) from now on.
    void stampReceipts(bool on) { stamp_receipts_ = on; }
    /// When the current batch of bytes was read (system clock, ns since the epoch).
    std::int64_t readNanos() const { return read_nanos_; }
    /// With stampReceipts: when the kernel received the last segment of the current batch
    /// (system clock, ns), so the time this loop took to come round to the socket is left out.
    std::int64_t kernelNanos() const { return kernel_nanos_; }

private:
    void onEvent(Conn& conn, std::uint32_t events);
    void finishConnect(Conn& conn);
    void readFrom(Conn& conn);
    ssize_t receive(Conn& conn, char* into, std::size_t capacity);
    void flush();
    void flushOne(Conn& conn);
    void watchOut(Conn& conn, bool on);
    void fail(Conn& conn, const std::string& why);

    int epoll_fd_ = -1;
    Handler* handler_ = nullptr;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<Conn*> dirty_;
    std::vector<char> scratch_;
    bool stamp_receipts_ = false;
    std::int64_t read_nanos_ = 0;
    std::int64_t kernel_nanos_ = 0;
};

} // namespace parley::bench::epoll
