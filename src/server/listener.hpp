#pragma once

// Accepts TCP connections and starts an HttpSession for each, on the pool's io threads in turn.

#include "server/io_pool.hpp"
#include "server/rest_api.hpp"
#include "server/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace parley::server {

class Listener : public std::enable_shared_from_this<Listener> {
public:
    /// Binds and listens; throws boost::system::system_error if the address cannot be used.
    Listener(IoPool& pool, const boost::asio::ip::tcp::endpoint& endpoint, ServerContext& context,
             const RestApi& rest);

    void run();
    /// Stops accepting; connections already accepted carry on.
    void stop();
    boost::asio::ip::tcp::endpoint localEndpoint() const;

private:
    void acceptNext();

    IoPool& pool_;
    boost::asio::ip::tcp::acceptor acceptor_;
    ServerContext& context_;
    const RestApi& rest_;
};

} // namespace parley::server
