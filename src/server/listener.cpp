#include "server/listener.hpp"

#include "server/http_session.hpp"

#include <boost/asio/post.hpp>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

namespace parley::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Connections shed in one pass at most: the backlog is bounded anyway, and this bounds the time
// one pass may take away from the main context's other work.
constexpr std::size_t kMaxShedPerPass = 256;

int openReserve() {
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool outOfDescriptors(const boost::system::error_code& error) {
    return error == asio::error::no_descriptors ||
           error == boost::system::errc::too_many_files_open_in_system;
}

} // namespace

std::expected<tcp::acceptor, std::string> Listener::bind(asio::io_context& context,
                                                         const tcp::endpoint& endpoint) {
    tcp::acceptor acceptor{context};
    boost::system::error_code error;
    acceptor.open(endpoint.protocol(), error);
    if (!error) {
        acceptor.set_option(asio::socket_base::reuse_address(true), error);
    }
    if (!error) {
        acceptor.bind(endpoint, error);
    }
    if (!error) {
        acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    if (!error) {
        // shedPending() accepts with accept4 directly, which must never block.
        acceptor.non_blocking(true, error);
    }
    if (error) {
        return std::unexpected(error.message());
    }
    return acceptor;
}

Listener::Listener(IoPool& pool, tcp::acceptor acceptor, ServerContext& context,
                   const RestApi& rest)
    : pool_(pool), acceptor_(std::move(acceptor)), context_(context), rest_(rest),
      pause_timer_(pool.main()), report_timer_(pool.main()), reserve_fd_(openReserve()) {}

Listener::~Listener() {
    if (reserve_fd_ >= 0) {
        ::close(reserve_fd_);
    }
}

void Listener::run() {
    acceptNext();
}

void Listener::stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
        self->pause_timer_.cancel();
        self->report_timer_.cancel();
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
            self->onAcceptFailed(error);
            return;
        }
        self->onAccepted(std::move(socket));
        self->acceptNext();
    });
}

void Listener::onAccepted(tcp::socket socket) {
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<HttpSession>(std::move(socket), context_, rest_);
    asio::post(session->executor(), [session] { session->run(); });
}

void Listener::onAcceptFailed(const boost::system::error_code& error) {
    const std::size_t shed = outOfDescriptors(error) ? shedPending() : 0;
    context_.metrics.acceptFailed(shed);
    if (auto line = failure_log_.failed(AcceptFailureLog::Clock::now(), error.message(), shed)) {
        spdlog::warn("{}", *line);
    }
    scheduleReport();
    // Retrying at once would fail again at once: whatever ran out needs time to come back.
    pause_timer_.expires_after(kAcceptPause);
    pause_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_error) {
        if (!wait_error && self->acceptor_.is_open()) {
            self->acceptNext();
        }
    });
}

std::size_t Listener::shedPending() {
    if (reserve_fd_ < 0) {
        // Lost at the last pass (another thread took the freed descriptor): try to take it back.
        reserve_fd_ = openReserve();
        return 0;
    }
    ::close(reserve_fd_);
    std::size_t shed = 0;
    while (shed < kMaxShedPerPass) {
        const int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            break; // the backlog is empty (EAGAIN), or the descriptor was taken elsewhere
        }
        ::close(fd);
        ++shed;
    }
    reserve_fd_ = openReserve();
    return shed;
}

// Failures held back by the log are reported when their interval is over, even if no accept
// fails after them.
void Listener::scheduleReport() {
    const auto due = failure_log_.flushDue();
    if (!due || report_scheduled_) {
        return;
    }
    report_scheduled_ = true;
    report_timer_.expires_at(*due);
    report_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
        self->report_scheduled_ = false;
        if (error) {
            return;
        }
        if (auto line = self->failure_log_.flush(AcceptFailureLog::Clock::now())) {
            spdlog::warn("{}", *line);
        }
        self->scheduleReport();
    });
}

} // namespace parley::server
