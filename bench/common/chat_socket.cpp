#include "chat_socket.hpp"

#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/error.hpp>
#include <sys/ioctl.h>

#include <type_traits>
#include <utility>

namespace parley::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

template <class NextLayer> constexpr bool kStamped = std::is_same_v<NextLayer, load::StampedSocket>;

} // namespace

template <class NextLayer>
ChatSocket<NextLayer>::ChatSocket(asio::io_context& io, const Endpoint& server,
                                  ChatSocketOptions options)
    : server_(server), options_(options), ws_(io) {}

template <class NextLayer> void ChatSocket<NextLayer>::open(OpenHandler on_open) {
    on_open_ = std::move(on_open);
    auto& socket = beast::get_lowest_layer(ws_);
    boost::system::error_code error;
    socket.open(tcp::v4(), error);
    if constexpr (kStamped<NextLayer>) {
        if (!error) {
            error = ws_.next_layer().enableStamps();
        }
    }
    if (error) {
        ended_ = true;
        on_open_("socket: " + error.message());
        return;
    }
    socket.async_connect(tcp::endpoint{server_.host, server_.port},
                         [this](boost::system::error_code connected) { onConnect(connected); });
}

template <class NextLayer> void ChatSocket<NextLayer>::onConnect(boost::system::error_code error) {
    if (error) {
        ended_ = true;
        on_open_("connect: " + error.message());
        return;
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).set_option(tcp::no_delay(true), ignored);
    fd_.store(beast::get_lowest_layer(ws_).native_handle());
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds{30};
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.text(true);
    // One frame per message: the server sees each request whole, as from a browser.
    ws_.auto_fragment(false);
    ws_.read_message_max(options_.read_message_max);
    ws_.async_handshake(server_.host.to_string() + ":" + std::to_string(server_.port),
                        server_.target, [this](boost::system::error_code handshake) {
                            if (handshake) {
                                ended_ = true;
                                on_open_("handshake: " + handshake.message());
                                return;
                            }
                            if constexpr (kStamped<NextLayer>) {
                                ws_.next_layer().boundReadsToFrames();
                            }
                            on_open_({});
                        });
}

template <class NextLayer>
void ChatSocket<NextLayer>::readFrames(FrameHandler on_frame, EndHandler on_end) {
    on_frame_ = std::move(on_frame);
    on_end_ = std::move(on_end);
    readNext();
}

template <class NextLayer> void ChatSocket<NextLayer>::readNext() {
    ws_.async_read(buffer_,
                   [this](boost::system::error_code error, std::size_t) { onRead(error); });
}

template <class NextLayer> void ChatSocket<NextLayer>::onRead(boost::system::error_code error) {
    if constexpr (kStamped<NextLayer>) {
        arrival_ = ws_.next_layer().lastArrival();
    } else {
        arrival_ = std::chrono::system_clock::now();
    }
    if (error) {
        end(error);
        return;
    }
    const auto data = buffer_.cdata();
    on_frame_(std::string_view{static_cast<const char*>(data.data()), data.size()});
    buffer_.consume(buffer_.size());
    readNext();
}

template <class NextLayer> void ChatSocket<NextLayer>::send(std::string frame) {
    if (ended_) {
        return;
    }
    queue_.push_back(std::move(frame));
    if (!writing_) {
        writeNext();
    }
}

template <class NextLayer> void ChatSocket<NextLayer>::writeNext() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()),
                    [this](boost::system::error_code error, std::size_t) {
                        queue_.pop_front();
                        // A failed write also ends the read loop, which reports it.
                        if (error || queue_.empty()) {
                            writing_ = false;
                            return;
                        }
                        writeNext();
                    });
}

template <class NextLayer> void ChatSocket<NextLayer>::end(boost::system::error_code error) {
    if (ended_) {
        return;
    }
    ended_ = true;
    if (closing_ || !on_end_) {
        return;
    }
    if (error == websocket::error::closed) {
        const auto& reason = ws_.reason();
        on_end_("closed by the server with " + std::to_string(reason.code) + " " +
                std::string{reason.reason.c_str()});
    } else {
        on_end_("read: " + error.message());
    }
}

template <class NextLayer> std::size_t ChatSocket<NextLayer>::unreadBytes() const {
    int unread = 0;
    const int fd = fd_.load();
    if (fd < 0 || ::ioctl(fd, FIONREAD, &unread) != 0) {
        return 0;
    }
    return static_cast<std::size_t>(unread);
}

template <class NextLayer> void ChatSocket<NextLayer>::close() {
    fd_.store(-1);
    closing_ = true;
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
}

template class ChatSocket<ReadAheadSocket>;
template class ChatSocket<load::StampedSocket>;

} // namespace parley::bench
