#include "server/io_pool.hpp"

#include "server/thread_slice.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace parley::server {

namespace asio = boost::asio;

IoPool::IoPool(unsigned threads) {
    const unsigned count = std::max(1U, threads);
    contexts_.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        // Concurrency hint 1: each context is only ever run by one thread.
        contexts_.push_back(std::make_unique<asio::io_context>(1));
    }
}

asio::io_context& IoPool::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

namespace {

// Each io thread asks for a short slice before it runs its context (thread_slice.hpp).
void runContext(asio::io_context& io) {
    if (!requestSchedulingSlice(kIoThreadSlice)) {
        spdlog::debug("the kernel kept its default scheduling slice for an io thread");
    }
    io.run();
}

} // namespace

void IoPool::run() {
    // The other contexts may have nothing to do until the first connection lands on them; the
    // guards keep them running until stop().
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
        guards.push_back(asio::make_work_guard(*contexts_[i]));
        threads.emplace_back([&io = *contexts_[i]] { runContext(io); });
    }
    runContext(main());
    // However the main context ended, the others end with it.
    stop();
    for (std::thread& thread : threads) {
        thread.join();
    }
}

void IoPool::stop() {
    for (auto& context : contexts_) {
        context->stop();
    }
}

} // namespace parley::server
