#pragma once

// Accepts TCP connections and starts an HttpSession for each, on the pool's io threads in turn.
//
// Out of file descriptors, a pending connection stays in the backlog and accept fails for it at
// once, again and again: a loop that retries straight away spins a core and floods the log. So
// after a failed accept the listener pauses accepting (kAcceptPause), and when the failure is
// running out of descriptors it sheds what is waiting: it frees a reserve descriptor kept for
// this, accepts each pending connection and closes it at once, then takes the reserve again. The
// client sees its connection closed instead of hanging in the backlog. Failures are logged at
// most once per kAcceptReportInterval, with a count (AcceptFailureLog), and counted in the
// metrics (parley_accept_failures_total, parley_connections_shed_total).

#include "server/accept_failure_log.hpp"
#include "server/io_pool.hpp"
#include "server/rest_api.hpp"
#include "server/server_context.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <expected>
#include <memory>
#include <string>

namespace parley::server {

/// How long accepting pauses after a failed accept.
inline constexpr std::chrono::milliseconds kAcceptPause{100};
/// Accept failures are logged at most once per this interval (with a count).
inline constexpr std::chrono::seconds kAcceptReportInterval{10};

class Listener : public std::enable_shared_from_this<Listener> {
public:
    /// Opens, binds and listens on `endpoint`; an error message naming the problem if the address
    /// cannot be used (in use, not local, no permission).
    static std::expected<boost::asio::ip::tcp::acceptor, std::string>
    bind(boost::asio::io_context& context, const boost::asio::ip::tcp::endpoint& endpoint);

    /// Takes a bound acceptor (from bind(), on pool.main()).
    Listener(IoPool& pool, boost::asio::ip::tcp::acceptor acceptor, ServerContext& context,
             const RestApi& rest);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    void run();
    /// Stops accepting; connections already accepted carry on.
    void stop();
    boost::asio::ip::tcp::endpoint localEndpoint() const;

private:
    void acceptNext();
    void onAccepted(boost::asio::ip::tcp::socket socket);
    void onAcceptFailed(const boost::system::error_code& error);
    std::size_t shedPending();
    void scheduleReport();

    IoPool& pool_;
    boost::asio::ip::tcp::acceptor acceptor_;
    ServerContext& context_;
    const RestApi& rest_;
    boost::asio::steady_timer pause_timer_;
    boost::asio::steady_timer report_timer_;
    bool report_scheduled_ = false;
    AcceptFailureLog failure_log_{kAcceptReportInterval};
    /// A descriptor held in reserve (/dev/null) so a connection can still be accepted, to be
    /// closed, when the process has none left; -1 if it could not be taken back.
    int reserve_fd_ = -1;
};

} // namespace parley::server
