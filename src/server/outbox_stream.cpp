#include "server/outbox_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_prefix.hpp>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace parley::server {

namespace {

thread_local OutboxCork* current_cork = nullptr; // the innermost cork living on this thread

} // namespace

OutboxCork* OutboxCork::current() {
    return current_cork;
}

OutboxCork::OutboxCork() : previous_(current_cork) {
    current_cork = this;
}

OutboxCork::~OutboxCork() {
    current_cork = previous_;
    try {
        flush();
    } catch (...) { // NOLINT(bugprone-empty-catch): only after an exception already unwinding.
    }
}

void OutboxCork::add(OutboxStream& outbox, std::shared_ptr<void> owner) {
    corked_.emplace_back(&outbox, std::move(owner));
}

void OutboxCork::flush() {
    if (corked_.empty()) {
        return;
    }
    auto corked = std::move(corked_);
    corked_.clear();
    for (auto& [outbox, owner] : corked) {
        outbox->flush_posted_ = false;
        outbox->flush();
    }
}

OutboxStream::OutboxStream(WsStream&& next) : next_(std::move(next)) {}

void OutboxStream::attach(std::weak_ptr<void> owner, Listener& listener) {
    owner_ = std::move(owner);
    listener_ = &listener;
}

void OutboxStream::queueText(Payload text) {
    queued_bytes_ += text->size();
    const WsFrameHeader header = textFrameHeader(text->size());
    reserveQueue();
    queue_.push_back(Entry{std::move(text), header, nullptr});
    scheduleFlush();
}

void OutboxStream::queueRaw(std::string bytes, Written written) {
    reserveQueue();
    queue_.push_back(Entry{std::make_shared<const std::string>(std::move(bytes)),
                           {},
                           written ? std::make_unique<Written>(std::move(written)) : nullptr});
    scheduleFlush();
}

// An idle connection keeps room for one entry (becameIdle): a member of a quiet channel gets one
// frame at a time and allocates nothing for it. The first frame beyond it gets room for
// kFirstEntries at once: a busy member gets a batch of frames at each drain, and growing one
// doubling at a time would cost an allocation per doubling every time.
void OutboxStream::reserveQueue() {
    if (queue_.size() < queue_.capacity()) {
        return;
    }
    queue_.reserve(queue_.capacity() < kKeptEntries
                       ? kKeptEntries
                       : std::max(kFirstEntries, queue_.capacity() * 2));
}

void OutboxStream::dropUnsent() {
    // Keeps the front entries being written and every control frame, in their order.
    auto unsent = queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_);
    const auto kept = std::stable_partition(
        unsent, queue_.end(), [](const Entry& entry) { return entry.header.size == 0; });
    for (auto dropped = kept; dropped != queue_.end(); ++dropped) {
        queued_bytes_ -= dropped->bytes->size();
    }
    queue_.erase(kept, queue_.end());
}

// At the end of this pass of the io loop, so what the pass queues goes out in one write.
void OutboxStream::scheduleFlush() {
    if (in_flight_ > 0 || flush_posted_) {
        return; // the write in flight takes the rest when it completes
    }
    auto owner = owner_.lock();
    if (!owner) {
        return; // the connection is going away
    }
    flush_posted_ = true;
    if (OutboxCork* cork = OutboxCork::current()) {
        cork->add(*this, std::move(owner));
        return;
    }
    boost::asio::post(next_.get_executor(), [this, owner = std::move(owner)] {
        flush_posted_ = false;
        flush();
    });
}

// Every caller holds the owner (the cork, the posted flush, the write's handler); only a write
// that goes the asynchronous way takes a reference of its own.
void OutboxStream::flush() {
    if (in_flight_ > 0 || queue_.empty()) {
        return;
    }
    std::size_t sent = 0; // bytes of the front entry already in the socket
    if (auto* socket = next_.get<boost::asio::ip::tcp::socket>()) {
        const WrittenNow now = writeNow(*socket);
        if (now.error) {
            fail(now.error);
            return;
        }
        retire(now.entries);
        if (queue_.empty()) {
            becameIdle();
            return;
        }
        sent = now.bytes_of_next;
    }
    auto owner = owner_.lock();
    if (!owner) {
        return; // the connection is going away
    }
    const std::size_t entries = gather();
    consumeWritten(sent);
    in_flight_ = entries;
    ++writes_started_;
    writeSlice(std::move(owner), entries);
}

// One sendmsg straight from the queued frames (headers in their entries, messages where they are
// shared), with nothing copied and no completion handler: a member of a busy channel gets its
// frames of the pass in one system call that usually takes them all. At most kWriteSlice bytes,
// like a slice of the asynchronous path, and the socket never blocks (MSG_DONTWAIT): what it does
// not take goes the asynchronous way. The queue does not change during the call, so pointing
// into it is safe here, unlike for a write in flight.
OutboxStream::WrittenNow OutboxStream::writeNow(boost::asio::ip::tcp::socket& socket) {
    thread_local std::vector<iovec> vectors;
    vectors.clear();
    std::size_t bytes = 0;
    const auto add = [&](const void* data, std::size_t size) {
        const std::size_t taken = std::min(size, kWriteSlice - bytes);
        // sendmsg only reads the buffers; iovec has no const version.
        vectors.push_back(iovec{const_cast<void*>(data), taken}); // NOLINT(*-const-cast)
        bytes += taken;
    };
    for (const Entry& entry : queue_) {
        if (bytes >= kWriteSlice || vectors.size() + 2 > kMaxVectors) {
            break;
        }
        if (entry.header.size != 0) {
            add(entry.header.bytes.data(), entry.header.size);
        }
        if (bytes < kWriteSlice) {
            add(entry.bytes->data(), entry.bytes->size());
        }
    }
    msghdr message{};
    message.msg_iov = vectors.data();
    message.msg_iovlen = vectors.size();
    const ssize_t result = ::sendmsg(socket.native_handle(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (result < 0) {
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) {
            return {};
        }
        return {.error = boost::system::error_code{error, boost::system::system_category()}};
    }
    ++writes_started_;
    auto left = static_cast<std::size_t>(result);
    WrittenNow now;
    for (const Entry& entry : queue_) {
        const std::size_t size = entry.header.size + entry.bytes->size();
        if (left < size) {
            now.bytes_of_next = left;
            break;
        }
        left -= size;
        ++now.entries;
    }
    return now;
}

// One system call of at most kWriteSlice bytes, then back to the io loop: a megabyte history
// page goes out in slices, and the other connections' handlers run between them instead of
// waiting for the kernel to copy the whole page.
void OutboxStream::writeSlice(std::shared_ptr<void> owner, std::size_t entries) {
    next_.async_write_some(boost::beast::buffers_prefix(kWriteSlice, buffers_),
                           [this, owner = std::move(owner),
                            entries](boost::system::error_code error, std::size_t written) mutable {
                               if (!error) {
                                   consumeWritten(written);
                                   if (!buffers_.empty()) {
                                       writeSlice(std::move(owner), entries);
                                       return;
                                   }
                               }
                               onWritten(error, entries);
                           });
}

void OutboxStream::consumeWritten(std::size_t bytes) {
    auto first = buffers_.begin();
    while (first != buffers_.end() && first->size() <= bytes) {
        bytes -= first->size();
        ++first;
    }
    if (first != buffers_.end()) {
        *first += bytes;
    }
    buffers_.erase(buffers_.begin(), first);
}

// Lays out the write of the front entries: every header and every small frame copied into
// `copied_` (reserved first, so the buffers pointing into it stay valid), large messages
// referenced where they are. Nothing points into queue_, which may grow while the write is in
// flight.
std::size_t OutboxStream::gather() {
    std::size_t entries = 0;
    std::size_t bytes = 0;
    std::size_t copy_bytes = 0;
    for (const Entry& entry : queue_) {
        if (bytes >= kWriteBytes) {
            break;
        }
        const std::size_t size = entry.header.size + entry.bytes->size();
        bytes += size;
        copy_bytes += size < kCopyBelow ? size : entry.header.size;
        ++entries;
    }
    copied_.clear();
    copied_.reserve(copy_bytes);
    buffers_.clear();
    std::size_t copied_from = 0; // where the current run of copied bytes starts in copied_
    const auto close_copied_run = [&] {
        if (copied_.size() > copied_from) {
            buffers_.emplace_back(copied_.data() + copied_from, copied_.size() - copied_from);
            copied_from = copied_.size();
        }
    };
    for (std::size_t i = 0; i < entries; ++i) {
        const Entry& entry = queue_[i];
        copied_.append(reinterpret_cast<const char*>(entry.header.bytes.data()), entry.header.size);
        if (entry.header.size + entry.bytes->size() < kCopyBelow) {
            copied_.append(*entry.bytes);
            continue;
        }
        close_copied_run();
        buffers_.emplace_back(entry.bytes->data(), entry.bytes->size());
    }
    close_copied_run();
    return entries;
}

void OutboxStream::onWritten(boost::system::error_code error, std::size_t entries) {
    in_flight_ = 0;
    if (error) {
        fail(error);
        return;
    }
    retire(entries);
    if (!queue_.empty()) {
        flush(); // what came while the write was in flight
        return;
    }
    becameIdle();
}

void OutboxStream::retire(std::size_t entries) {
    for (std::size_t i = 0; i < entries; ++i) {
        Entry& entry = queue_[i];
        if (entry.header.size != 0) {
            queued_bytes_ -= entry.bytes->size();
        } else if (entry.written) {
            // Posted, not called: the session's next step may queue more while this loop runs.
            boost::asio::post(next_.get_executor(),
                              [written = std::move(*entry.written)]() mutable { written({}); });
        }
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(entries));
}

void OutboxStream::becameIdle() {
    // An idle connection holds next to no write memory (room for one entry): thousands of them
    // wait for every busy one.
    copied_ = std::string{};
    buffers_ = {};
    if (queue_.capacity() > kKeptEntries) {
        queue_ = std::vector<Entry>{};
    } else {
        queue_.clear();
    }
    if (listener_ != nullptr) {
        listener_->onOutboxDrained();
    }
}

void OutboxStream::fail(boost::system::error_code error) {
    std::vector<Entry> failed;
    failed.swap(queue_);
    queued_bytes_ = 0;
    for (Entry& entry : failed) {
        if (entry.written) {
            boost::asio::post(next_.get_executor(), [written = std::move(*entry.written),
                                                     error]() mutable { written(error); });
        }
    }
    if (listener_ != nullptr) {
        listener_->onOutboxFailed(error);
    }
}

} // namespace parley::server
