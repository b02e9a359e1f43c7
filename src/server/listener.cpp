#include "server/listener.hpp"

#include "server/http_session.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace parley::server {

namespace asio = boost::asio;
using asio::ip::tcp;

Listener::Listener(IoPool& pool, const tcp::endpoint& endpoint, ServerContext& context,
                   const RestApi& rest)
    : pool_(pool), acceptor_(pool.main()), context_(context), rest_(rest) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::run() {
    acceptNext();
}

void Listener::stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
    });
}

tcp::endpoint Listener::localEndpoint() const {
    return acceptor_.local_endpoint();
}

void Listener::acceptNext() {
    // The socket belongs to the next io thread's context; the session is started there, so all
    // of a connection's handlers run on that one thread.
    acceptor_.async_accept(pool_.next(), [self = shared_from_this()](
                                             boost::system::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) {
            return;
        }
        if (error) {
            // Out of descriptors and the like: log, keep accepting.
            spdlog::warn("accept failed: {}", error.message());
        } else {
            boost::system::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            auto session =
                std::make_shared<HttpSession>(std::move(socket), self->context_, self->rest_);
            asio::post(session->executor(), [session] { session->run(); });
        }
        self->acceptNext();
    });
}

} // namespace parley::server
