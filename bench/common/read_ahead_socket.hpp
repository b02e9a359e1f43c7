#pragma once

// A TCP socket for Beast's websocket::stream that reads ahead: one recv takes up to 8 KiB from the
// kernel, and Beast's small reads (it asks for at most 1,536 bytes while it parses frame headers
// and small frames) are served from there. With thousands of connections that each get a stream of
// ~350-byte events, a recv per 1,536 bytes made the load generator's kernel time (syscalls,
// epoll, and the ACKs each read triggers) as large as the server's own cost per delivery. Reads
// of 8 KiB or more with nothing buffered go straight to the kernel (history pages).
//
// Data already buffered completes a read through a post, never inside the initiating call, as
// Asio requires.

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <utility>

namespace parley::bench {

// Asio's AsyncStream concept names the members (get_executor, async_read_some, ...), and Beast's
// teardown customisation the free functions.
// NOLINTBEGIN(readability-identifier-naming)
class ReadAheadSocket {
public:
    /// Bound to the io_context's own executor type: copying and destroying the type-erased
    /// any_io_executor of tcp::socket for every handler was a tenth of this program's CPU time.
    using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                    boost::asio::io_context::executor_type>;
    using executor_type = Socket::executor_type;
    using next_layer_type = Socket;

    explicit ReadAheadSocket(boost::asio::io_context& io)
        : socket_(io), storage_(std::make_unique_for_overwrite<Storage>()) {}

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    Socket& next_layer() noexcept { return socket_; }
    const Socket& next_layer() const noexcept { return socket_; }

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
    static constexpr std::size_t kStorageBytes = 8192;
    using Storage = std::array<char, kStorageBytes>;

    template <class MutableBuffers> struct ReadOp {
        enum class Step { kStart, kFromStorage, kIntoStorage, kDirect };
        ReadAheadSocket& owner;
        MutableBuffers buffers;
        Step step = Step::kStart;

        template <class Self>
        void operator()(Self& self, boost::system::error_code error = {}, std::size_t bytes = 0) {
            switch (step) {
            case Step::kStart:
                start(self);
                return;
            case Step::kIntoStorage:
                owner.begin_ = 0;
                owner.end_ = error ? 0 : bytes;
                self.complete(error, error ? 0 : owner.take(buffers));
                return;
            case Step::kFromStorage:
                self.complete(error, owner.take(buffers));
                return;
            case Step::kDirect:
                self.complete(error, bytes);
                return;
            }
        }

        template <class Self> void start(Self& self) {
            if (owner.begin_ != owner.end_) {
                step = Step::kFromStorage;
                boost::asio::post(owner.socket_.get_executor(), std::move(self));
            } else if (boost::asio::buffer_size(buffers) >= kStorageBytes) {
                step = Step::kDirect;
                owner.socket_.async_read_some(buffers, std::move(self));
            } else {
                step = Step::kIntoStorage;
                owner.socket_.async_read_some(boost::asio::buffer(*owner.storage_),
                                              std::move(self));
            }
        }
    };

    /// Copies buffered bytes into `buffers`; returns how many.
    template <class MutableBuffers> std::size_t take(const MutableBuffers& buffers) {
        const std::size_t copied = boost::asio::buffer_copy(
            buffers, boost::asio::buffer(storage_->data() + begin_, end_ - begin_));
        begin_ += copied;
        return copied;
    }

    Socket socket_;
    /// Not zeroed: thousands of connections would touch 8 KiB each for nothing.
    std::unique_ptr<Storage> storage_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

// Beast closes a websocket by tearing down its next layer; for this one that is the TCP socket.
inline void teardown(boost::beast::role_type role, ReadAheadSocket& socket,
                     boost::system::error_code& error) {
    boost::beast::websocket::teardown(role, socket.next_layer(), error);
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, ReadAheadSocket& socket,
                    TeardownHandler&& handler) {
    boost::beast::websocket::async_teardown(role, socket.next_layer(),
                                            std::forward<TeardownHandler>(handler));
}
// NOLINTEND(readability-identifier-naming)

} // namespace parley::bench
