#pragma once

// An io thread of an object's own, with an AsioScheduler on it: what an AccessManager made
// without a scheduler runs on. The owner starts `thread` (running `io`) and joins it.

#include "client/asio_scheduler.hpp"

#include <parley/token/clock.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <thread>

namespace parley::client {

struct OwnThread {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
    AsioScheduler scheduler;
    std::thread thread;

    explicit OwnThread(const token::Clock& clock)
        : scheduler(io, clock, std::chrono::milliseconds{1000}) {}
};

} // namespace parley::client
