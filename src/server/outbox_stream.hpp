#pragma once

// Everything a server WebSocket connection sends goes through this queue, over the connection's
// stream (plain TCP or TLS):
//   - the session's messages (queueText), framed here: a server frame is unmasked, so it is a
//     header of at most 10 bytes before the message, and a message shared by every member of a
//     channel is referenced by each member's queue, never copied per member at queueing time;
//   - raw bytes (queueRaw): the handshake's HTTP response and the control frames (pong, idle
//     ping, close), each taken whole, so a control frame never lands inside a message.
// What is queued in one pass of the io loop goes out together at the end of the pass, and what is
// queued while a write is in flight goes out in the next one: a syscall per connection per pass,
// not one per frame. On plain TCP the pass's frames are first offered to the socket in one
// non-blocking sendmsg straight from the queue (headers and shared messages where they are); only
// what the socket does not take then goes the asynchronous way (TLS always does): one gather
// write, headers and frames under kCopyBelow copied into one buffer, larger messages referenced.
//
// Threading: the connection's io thread only (the executor of the stream under it).

#include "server/broker/broker.hpp"
#include "server/server_stream.hpp"
#include "server/ws_frame_header.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/container/small_vector.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace parley::server {

class OutboxStream;

/// While a cork lives on a thread, the outboxes of that thread do not post their flush when a
/// frame is queued: they join the cork, and flush() writes each of them once. A batch of
/// deliveries under one cork costs each connection one write for all of its frames.
class OutboxCork {
public:
    OutboxCork();
    /// Flushes what flush() did not (an exception left the batch halfway).
    ~OutboxCork();
    OutboxCork(const OutboxCork&) = delete;
    OutboxCork& operator=(const OutboxCork&) = delete;

    /// Starts the write of every outbox that joined, once each.
    void flush();
    /// The cork of this thread, if one lives.
    static OutboxCork* current();
    void add(OutboxStream& outbox, std::shared_ptr<void> owner);

private:
    // Inline room for a few: a timer's cork holds its one connection without allocating.
    boost::container::small_vector<std::pair<OutboxStream*, std::shared_ptr<void>>, 4> corked_;
    OutboxCork* previous_;
};

class OutboxStream {
public:
    using executor_type = boost::asio::any_io_executor;

    /// What the connection hears from its outbox, on its io thread.
    class Listener {
    public:
        /// Everything queued has been written.
        virtual void onOutboxDrained() = 0;
        /// A write failed; whatever was queued is gone.
        virtual void onOutboxFailed(boost::system::error_code error) = 0;

    protected:
        ~Listener() = default;
    };

    /// Frames smaller than this are copied into the write's one buffer; larger ones are
    /// referenced where they are (a history page is not copied again).
    static constexpr std::size_t kCopyBelow = 4096;
    /// A write takes queued frames until it holds this many bytes; the rest wait for the next.
    static constexpr std::size_t kWriteBytes = std::size_t{256} << 10U;
    /// A write goes to the socket in system calls of at most this many bytes, each its own pass
    /// of the io loop.
    static constexpr std::size_t kWriteSlice = std::size_t{64} << 10U;

    explicit OutboxStream(WsStream&& next);

    /// Set once before the first write: `owner` is kept alive while a write is in flight.
    void attach(std::weak_ptr<void> owner, Listener& listener);

    executor_type get_executor() { // NOLINT(readability-identifier-naming)
        return next_.get_executor();
    }
    WsStream& next() { return next_; }

    /// Queues one text message, sent as one frame after everything queued before.
    void queueText(Payload text);
    /// Bytes of the messages queued and not yet written, the write in flight included.
    std::size_t queuedBytes() const { return queued_bytes_; }
    /// Nothing queued and nothing in flight.
    bool idle() const { return queue_.empty(); }
    /// Forgets the messages not yet handed to the socket; the write in flight and the raw bytes
    /// (control frames) stay.
    void dropUnsent();
    /// Gather writes started so far (a figure for tests and metrics).
    std::size_t writesStarted() const { return writes_started_; }

    /// What runs once queued raw bytes are in the socket, or with the error that lost them.
    using Written = std::move_only_function<void(boost::system::error_code)>;
    /// Queues bytes to go out as they are, after everything queued before: a control frame (pong,
    /// ping, close) or the handshake's HTTP response. Never dropped by dropUnsent(), never
    /// counted in queuedBytes(). `written`, if any, is posted once they are in the socket.
    void queueRaw(std::string bytes, Written written = {});

private:
    friend class OutboxCork;

    struct Entry {
        Payload bytes;
        WsFrameHeader header; // size 0: `bytes` are raw (queueRaw)
        // Raw bytes only, and only when a callback waits: boxed, so the entries of text frames
        // (nearly all of them) stay small and move without a type-erased call.
        std::unique_ptr<Written> written;
    };
    static_assert(sizeof(Entry) <= 40, "an idle connection keeps room for kKeptEntries of them");

    /// Entries an idle queue keeps room for (an entry is 40 bytes).
    static constexpr std::size_t kKeptEntries = 1;
    /// Entries a queue is given room for when it outgrows those.
    static constexpr std::size_t kFirstEntries = 16;
    /// Buffers in one sendmsg (Linux's IOV_MAX): two per frame, header and message.
    static constexpr std::size_t kMaxVectors = 1024;

    /// What one writeNow() put in the socket: whole entries, then bytes of the next one.
    struct WrittenNow {
        std::size_t entries = 0;
        std::size_t bytes_of_next = 0;
        boost::system::error_code error; // the socket failed: nothing more will go
    };

    void reserveQueue();
    void scheduleFlush();
    void flush();
    /// On plain TCP: one non-blocking sendmsg from the queue itself (see the definition).
    WrittenNow writeNow(boost::asio::ip::tcp::socket& socket);
    /// Drops the first `entries` of the queue, all in the socket.
    void retire(std::size_t entries);
    /// Frees the write memory of an emptied queue and tells the listener.
    void becameIdle();
    std::size_t gather();
    void writeSlice(std::shared_ptr<void> owner, std::size_t entries);
    /// Drops the first `bytes` of buffers_.
    void consumeWritten(std::size_t bytes);
    void onWritten(boost::system::error_code error, std::size_t entries);
    void fail(boost::system::error_code error);

    WsStream next_;
    std::weak_ptr<void> owner_;
    Listener* listener_ = nullptr;
    std::vector<Entry> queue_; // a vector: idle, it holds one entry (a deque holds 576 bytes)
    std::size_t queued_bytes_ = 0;
    std::size_t in_flight_ = 0;                      // entries at the front of queue_ being written
    bool flush_posted_ = false;                      // or corked
    std::string copied_;                             // the small frames of the write in flight
    std::vector<boost::asio::const_buffer> buffers_; // the write in flight
    std::size_t writes_started_ = 0;
};

} // namespace parley::server
