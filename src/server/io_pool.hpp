#pragma once

// The server's io threads: one single-threaded io_context per thread, each with its own reactor,
// timer heap and handler queue. A connection is placed on one context for its whole life, so its
// handlers, timers and socket never need a strand (one thread runs them all) and threads do not
// contend on one scheduler queue when thousands of timers fall due together.

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace parley::server {

class IoPool {
public:
    explicit IoPool(unsigned threads);
    IoPool(const IoPool&) = delete;
    IoPool& operator=(const IoPool&) = delete;

    /// The context that runs server-wide work: the acceptor, signals, shutdown.
    boost::asio::io_context& main() { return *contexts_.front(); }
    /// The context for the next connection, round robin. Thread-safe.
    boost::asio::io_context& next();
    std::size_t size() const { return contexts_.size(); }

    /// Runs every context, one on the calling thread and the others on threads of their own;
    /// returns when all have stopped.
    void run();
    /// Stops every context; thread-safe.
    void stop();

private:
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::atomic<std::size_t> next_{0};
};

} // namespace parley::server
