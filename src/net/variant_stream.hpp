#pragma once

// One stream type for "plain TCP or TLS, decided at run time", so the HTTP and WebSocket code is
// written once and the choice is made when a connection starts (server: at accept, by the
// listener's configuration; client: by the URL's scheme). The alternatives are Asio/Beast streams
// over one TCP socket: tcp::socket, beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>.
//
// Templating each session on its stream (Beast's "flex" example) was rejected: it would turn the
// session classes into headers and double their instantiations; a std::visit per read or write
// costs nothing next to the syscall.
//
// Meets Asio's AsyncReadStream/AsyncWriteStream, Beast's close_socket and the WebSocket teardown
// customization points, so it can sit under http::async_read and websocket::stream.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>

namespace parley::net {

template <typename Stream, typename... Alternatives>
concept OneOf = (std::is_same_v<std::decay_t<Stream>, Alternatives> || ...);

template <typename... Streams> class VariantStream {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Holds `stream`, which must be one of the alternatives. (OneOf keeps VariantStream itself
    /// out, so this never hides the copy or move constructor.)
    template <OneOf<Streams...> Stream>
    // NOLINTNEXTLINE(bugprone-forwarding-reference-overload)
    explicit VariantStream(Stream&& stream) : streams_(std::forward<Stream>(stream)) {}

    // Asio and Beast call these by their names: not our naming scheme.
    executor_type get_executor() { // NOLINT(readability-identifier-naming)
        return std::visit([](auto& stream) -> executor_type { return stream.get_executor(); },
                          streams_);
    }

    /// The alternative held, if it is `Stream`.
    template <typename Stream> Stream* get() { return std::get_if<Stream>(&streams_); }
    /// Replaces the alternative (e.g. a tcp_stream by a TLS stream built from it).
    template <typename Stream> void emplace(Stream&& stream) {
        streams_.template emplace<std::decay_t<Stream>>(std::forward<Stream>(stream));
    }
    template <typename Visitor> decltype(auto) visit(Visitor&& visitor) {
        return std::visit(std::forward<Visitor>(visitor), streams_);
    }

    /// The TCP socket under every layer.
    boost::asio::ip::tcp::socket& socket() {
        return visit([](auto& stream) -> boost::asio::ip::tcp::socket& {
            auto& lowest = boost::beast::get_lowest_layer(stream);
            if constexpr (requires { lowest.socket(); }) {
                return lowest.socket();
            } else {
                return lowest;
            }
        });
    }

    /// Beast's tcp_stream timeout on the lowest layer; a bare socket has none (no effect).
    void expires_after( // NOLINT(readability-identifier-naming)
        std::chrono::steady_clock::duration timeout) {
        visit([timeout](auto& stream) {
            auto& lowest = boost::beast::get_lowest_layer(stream);
            if constexpr (requires { lowest.expires_after(timeout); }) {
                lowest.expires_after(timeout);
            }
        });
    }
    void expires_never() { // NOLINT(readability-identifier-naming)
        visit([](auto& stream) {
            auto& lowest = boost::beast::get_lowest_layer(stream);
            if constexpr (requires { lowest.expires_never(); }) {
                lowest.expires_never();
            }
        });
    }

    template <typename MutableBuffers, typename Token>
    auto async_read_some( // NOLINT(readability-identifier-naming)
        const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& target) {
                this->visit(
                    [&](auto& stream) { stream.async_read_some(target, std::move(handler)); });
            },
            token, buffers);
    }

    template <typename ConstBuffers, typename Token>
    auto async_write_some( // NOLINT(readability-identifier-naming)
        const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& source) {
                this->visit(
                    [&](auto& stream) { stream.async_write_some(source, std::move(handler)); });
            },
            token, buffers);
    }

    // Found by argument-dependent lookup from websocket::stream (closing) and beast::close_socket
    // (a WebSocket timeout). Each forwards to the alternative's own overload, so TLS sends its
    // close_notify and plain TCP shuts down its sending side.
    friend void teardown(boost::beast::role_type role, VariantStream& stream,
                         boost::system::error_code& error) {
        stream.visit([&](auto& alternative) {
            using boost::beast::websocket::teardown;
            teardown(role, alternative, error);
        });
    }
    template <typename Handler>
    friend void async_teardown( // NOLINT(readability-identifier-naming)
        boost::beast::role_type role, VariantStream& stream, Handler&& handler) {
        stream.visit([&](auto& alternative) {
            using boost::beast::websocket::async_teardown;
            async_teardown(role, alternative, std::forward<Handler>(handler));
        });
    }
    friend void beast_close_socket( // NOLINT(readability-identifier-naming)
        VariantStream& stream) {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
    }

private:
    std::variant<Streams...> streams_;
};

} // namespace parley::net
