#pragma once

// The timers of one io thread, kept in due order behind one steady_timer. When thousands of tokens
// share an exp, their sessions all fall due at the same instant: with a steady_timer each, Asio
// pops them from its heap and runs them as thousands of handlers (about a tenth of the server's
// CPU in a 10,000-warning burst). Here the thread wakes once, and the tasks due run one after
// another in the order they were scheduled.
//
// One per io_context, as an Asio service of that context (use_service), so a session finds its
// thread's timers from its executor, as it finds its DeliveryInbox.
//
// Threading: add() and the tasks run on the context's thread (its only one). remove() may also
// come from another thread: a session's last reference can be dropped elsewhere, and its
// destructor takes its timers out; the queue is locked for that, the steady_timer is not touched.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace parley::server {

class DueTimers : public boost::asio::execution_context::service {
public:
    using Clock = std::chrono::steady_clock;
    /// A timer in the queue: its due time, then the order it was added in.
    using Key = std::pair<Clock::time_point, std::uint64_t>;

    static inline boost::asio::execution_context::id id; // NOLINT: Asio's name for the key.

    explicit DueTimers(boost::asio::execution_context& context);

    /// The timers of the context that runs `executor`.
    static DueTimers& of(const boost::asio::any_io_executor& executor);

    /// On the context's thread: runs `task` there once Clock reads `due` or later, after the
    /// tasks added before it for the same instant. `executor` must run on this service's context.
    Key add(Clock::time_point due, std::function<void()> task,
            const boost::asio::any_io_executor& executor);

    /// From any thread: the task of `timer` will not run; harmless once it has run or was removed.
    void remove(const Key& timer);

    /// Tasks waiting (for tests and metrics).
    std::size_t size() const;

private:
    void shutdown() override;
    /// Waits for the earliest due time, unless the timer already does.
    void arm();
    /// Runs every task due now, then waits for the next.
    void fire();

    mutable std::mutex mutex_; // guards queue_ and next_ only
    std::map<Key, std::function<void()>> queue_;
    std::uint64_t next_ = 0;
    // The context's thread only.
    std::optional<boost::asio::steady_timer> timer_;
    std::optional<Clock::time_point> armed_for_;
};

} // namespace parley::server
