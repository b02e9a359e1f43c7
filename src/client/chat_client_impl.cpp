#include "client/chat_client_impl.hpp"

#include "client/tls_client.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>
#include <random>

namespace parley::client {

namespace {

constexpr std::chrono::milliseconds kConnectTimeout{10'000};
// A graceful close gets this long before the socket is dropped, so shutdown never hangs on a
// server that stopped answering.
constexpr std::chrono::milliseconds kCloseGrace{500};

// The trusted CAs, loaded once when any of the URLs is wss://.
std::shared_ptr<boost::asio::ssl::context> tlsFor(const std::vector<ServerUrl>& urls,
                                                  const std::string& ca_file) {
    const bool any_tls =
        std::ranges::any_of(urls, [](const ServerUrl& url) { return url.url.tls; });
    return any_tls ? makeClientTlsContext(ca_file) : nullptr;
}

} // namespace

ChatClient::Impl::Impl(ChatClientOptions options, std::vector<ServerUrl> urls)
    : options_(std::move(options)), work_(io_.get_executor()),
      scheduler_(io_, *options_.clock, options_.clock_recheck),
      transport_(io_, kConnectTimeout, tlsFor(urls, options_.ca_file)),
      events_(EventDispatcher::create(options_.callback_executor)),
      core_(options_, std::move(urls), scheduler_, transport_, *events_, std::random_device{}()) {}

ChatClient::Impl::~Impl() {
    shutdown();
}

void ChatClient::Impl::start(std::string token) {
    io_thread_ = std::thread([this] { io_.run(); });
    run([token = std::move(token)](ClientCore& core) { core.start(token); }, {});
}

void ChatClient::Impl::run(std::function<void(ClientCore&)> task, std::function<void()> dropped) {
    if (shut_down_.load()) {
        if (dropped) {
            dropped();
        }
        return;
    }
    boost::asio::post(
        io_, [weak = weak_from_this(), task = std::move(task), dropped = std::move(dropped)] {
            const auto self = weak.lock();
            if (self && !self->shut_down_.load()) {
                task(self->core_);
            } else if (dropped) {
                dropped();
            }
        });
}

void ChatClient::Impl::shutdown() {
    const bool first = !shut_down_.exchange(true);
    if (first) {
        events_->close(); // no callback after this returns
        boost::asio::post(io_, [this] {
            auto closing = core_.shutdown([this] {
                if (close_grace_) {
                    close_grace_->cancel(); // closed in time: nothing left to wait for
                }
            });
            scheduler_.cancelAll();
            if (closing) {
                // The grace timer is the io thread's last work; then run() returns and the thread
                // ends. A steady timer, not the scheduler: the wall clock may be a test's,
                // standing.
                close_grace_ = std::make_shared<boost::asio::steady_timer>(io_, kCloseGrace);
                close_grace_->async_wait([closing](boost::system::error_code error) {
                    if (!error) {
                        closing->abort();
                    }
                });
            }
            work_.reset();
        });
    }
    if (io_thread_.joinable() && io_thread_.get_id() != std::this_thread::get_id()) {
        io_thread_.join();
    }
}

ChatClientStats ChatClient::Impl::stats() {
    if (shut_down_.load() || std::this_thread::get_id() == io_thread_.get_id()) {
        return ChatClientStats{.state = ConnectionState::kShutDown};
    }
    auto result = std::make_shared<std::promise<ChatClientStats>>();
    auto future = result->get_future();
    run(
        [this, result](ClientCore& core) {
            ChatClientStats stats = core.stats();
            stats.armed_timers = static_cast<int>(scheduler_.armedTimers()); // all of them
            result->set_value(stats);
        },
        [result] { result->set_value(ChatClientStats{.state = ConnectionState::kShutDown}); });
    if (future.wait_for(std::chrono::seconds{2}) != std::future_status::ready) {
        return ChatClientStats{.state = ConnectionState::kShutDown};
    }
    return future.get();
}

} // namespace parley::client
