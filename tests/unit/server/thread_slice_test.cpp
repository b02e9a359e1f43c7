#include "server/io_pool.hpp"
#include "server/thread_slice.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace parley::server {
namespace {

// On a thread of its own, so the test runner's thread keeps its slice.
TEST(ThreadSlice, AnIoThreadsRequestedSliceIsTheOneTheKernelHolds) {
    std::optional<std::chrono::microseconds> held;
    bool granted = false;
    std::thread{[&] {
        granted = requestSchedulingSlice(kIoThreadSlice);
        held = schedulingSlice();
    }}.join();
    if (!held) {
        GTEST_SKIP() << "this kernel keeps no per-thread slice (Linux before 6.12)";
    }
    EXPECT_TRUE(granted);
    EXPECT_EQ(*held, kIoThreadSlice);
}

TEST(ThreadSlice, EveryIoPoolThreadRunsWithTheShortSlice) {
    if (!std::async(std::launch::async, [] { return schedulingSlice(); }).get()) {
        GTEST_SKIP() << "this kernel keeps no per-thread slice (Linux before 6.12)";
    }
    IoPool pool{2};
    // The main context would end at once with nothing to do (a server's has its acceptor).
    auto work = boost::asio::make_work_guard(pool.main());
    std::thread runner{[&pool] { pool.run(); }};
    std::promise<std::optional<std::chrono::microseconds>> first;
    std::promise<std::optional<std::chrono::microseconds>> second;
    boost::asio::post(pool.next(), [&first] { first.set_value(schedulingSlice()); });
    boost::asio::post(pool.next(), [&second] { second.set_value(schedulingSlice()); });
    const auto on_first = first.get_future().get();
    const auto on_second = second.get_future().get();
    work.reset();
    runner.join();
    EXPECT_EQ(on_first, kIoThreadSlice);
    EXPECT_EQ(on_second, kIoThreadSlice);
}

} // namespace
} // namespace parley::server
