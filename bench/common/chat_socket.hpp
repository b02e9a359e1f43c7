#pragma once

// One client WebSocket of the fan-out and fairness programs: it connects over loopback, sends text
// frames in order and hands every received frame to a callback. It knows nothing of the protocol's
// ops (chat_frames.hpp builds and reads those), so both programs drive it the same way.
//
// Threading: every member function runs on the thread of the io_context the socket was made with;
// callbacks run there too. Nothing else may touch it, and it must outlive its pending operations:
// stop the io_context before destroying it.
//
// Two transports: PlainChatSocket reads ahead (read_ahead_socket.hpp: many frames per syscall),
// for thousands of connections on one thread; StampedChatSocket reads one frame at a time with the
// kernel's receive stamp (bench/load/stamped_socket.hpp), so a round trip measured with it does
// not include how long this program's own thread took to get round to the frame.

#include "read_ahead_socket.hpp"
#include "stamped_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace parley::bench {

/// Where the server listens; always a 127.0.0.0/8 address.
struct Endpoint {
    boost::asio::ip::address_v4 host;
    std::uint16_t port = 0;
    std::string target = "/v1/ws";
};

struct ChatSocketOptions {
    /// A history page of 500 bodies of 32 KiB is about 16.5 MB, above Beast's 16 MiB default.
    std::size_t read_message_max = std::size_t{64} << 20U;
};

template <class NextLayer> class ChatSocket {
public:
    using Wall = std::chrono::system_clock::time_point;
    /// Empty on success, otherwise what failed.
    using OpenHandler = std::function<void(const std::string& error)>;
    /// One text frame; the view is valid only during the call.
    using FrameHandler = std::function<void(std::string_view frame)>;
    /// The connection ended without close() from this side: a close code and reason, or an error.
    using EndHandler = std::function<void(const std::string& why)>;

    ChatSocket(boost::asio::io_context& io, const Endpoint& server, ChatSocketOptions options = {});
    ChatSocket(const ChatSocket&) = delete;
    ChatSocket& operator=(const ChatSocket&) = delete;

    /// Connects and does the WebSocket handshake, then calls `on_open`.
    void open(OpenHandler on_open);
    /// Reads frames until the connection ends; call once, after a successful open.
    void readFrames(FrameHandler on_frame, EndHandler on_end);
    /// Queues one text frame; frames go out in the order given, one write at a time.
    void send(std::string frame);
    /// Closes the TCP socket at once; pending operations end without calling `on_end`.
    void close();

    /// When the latest frame arrived: the kernel's receive stamp for StampedChatSocket, this
    /// program's clock when the read completed for PlainChatSocket.
    Wall arrival() const { return arrival_; }
    bool ended() const { return ended_; }
    /// Any thread: bytes the kernel has received on this connection that were not read yet
    /// (FIONREAD); 0 before the connection is made or after close().
    std::size_t unreadBytes() const;

private:
    void onConnect(boost::system::error_code error);
    void readNext();
    void onRead(boost::system::error_code error);
    void writeNext();
    void end(boost::system::error_code error);

    const Endpoint& server_;
    ChatSocketOptions options_;
    boost::beast::websocket::stream<NextLayer> ws_;
    boost::beast::flat_buffer buffer_;
    std::deque<std::string> queue_;
    OpenHandler on_open_;
    FrameHandler on_frame_;
    EndHandler on_end_;
    Wall arrival_{};
    /// The socket's descriptor once connected, for unreadBytes() from other threads.
    std::atomic<int> fd_{-1};
    bool writing_ = false;
    bool closing_ = false;
    bool ended_ = false;
};

using PlainChatSocket = ChatSocket<ReadAheadSocket>;
using StampedChatSocket = ChatSocket<load::StampedSocket>;

extern template class ChatSocket<ReadAheadSocket>;
extern template class ChatSocket<load::StampedSocket>;

} // namespace parley::bench
