#pragma once

// The inside of ChatClient: the ClientCore state machine on an io thread of its own, with the
// production scheduler (Asio timers on the options' clock) and transport (WebSocket). Public
// methods post to the io thread; the core, the timers and the connection call back there. Events
// leave through the EventDispatcher (another thread); futures are fulfilled on the io thread.

#include "client/asio_scheduler.hpp"
#include "client/client_core.hpp"
#include "client/event_dispatcher.hpp"
#include "client/ws_connection.hpp"

#include <parley/client/chat_client.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace parley::client {

class ChatClient::Impl : public std::enable_shared_from_this<Impl> {
public:
    /// `urls` as ClientCore takes them (parsed, not empty).
    Impl(ChatClientOptions options, std::vector<ServerUrl> urls);
    ~Impl();
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    /// Starts the io thread and the first connection (after the pre-check of `token`).
    void start(std::string token);
    /// Blocks until the io thread has stopped (unless called from it). Idempotent.
    void shutdown();

    /// Runs `task` on the io thread with the core; `dropped` instead, on any thread, when the
    /// client is shut down first.
    void run(std::function<void(ClientCore&)> task, std::function<void()> dropped);

    EventDispatcher& events() { return *events_; }
    std::string identity() const { return core_.identity(); }
    ChatClientStats stats();

private:
    ChatClientOptions options_;
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    AsioScheduler scheduler_;
    WsTransport transport_;
    std::shared_ptr<EventDispatcher> events_;
    ClientCore core_;
    std::atomic<bool> shut_down_{false};
    std::shared_ptr<boost::asio::steady_timer> close_grace_; // shutdown's bound on the close
    std::thread io_thread_;
};

} // namespace parley::client
