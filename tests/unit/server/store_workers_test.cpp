// StoreWorkers: every kind of task runs on a worker thread that yields to the io threads when it
// wakes (SCHED_BATCH, server/thread_policy.hpp), and ordered tasks keep their order.

#include "server/store_workers.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <chrono>
#include <future>
#include <mutex>
#include <vector>

namespace parley::server {
namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

TEST(StoreWorkers, EveryTaskRunsOnABackgroundThread) {
    StoreWorkers workers{2};
    std::mutex mutex;
    std::vector<int> policies;
    std::vector<int> ordered;
    std::promise<void> all_done;
    constexpr int kTasks = 30; // of each kind
    const auto record = [&](int policy, int order) {
        const std::lock_guard lock{mutex};
        policies.push_back(policy);
        if (order >= 0) {
            ordered.push_back(order);
        }
        if (policies.size() == std::size_t{3} * kTasks) {
            all_done.set_value();
        }
    };
    for (int i = 0; i < kTasks; ++i) {
        workers.post([&] { record(sched_getscheduler(0), -1); });
        workers.postOrdered("CH1", [&, i] { record(sched_getscheduler(0), i); });
        workers.postInLane(StoreWorkers::laneOf("alice"),
                           [&] { record(sched_getscheduler(0), -1); });
    }
    ASSERT_EQ(all_done.get_future().wait_for(kDeadline), std::future_status::ready);
    const std::lock_guard lock{mutex};
    for (const int policy : policies) {
        EXPECT_EQ(policy, SCHED_BATCH);
    }
    ASSERT_EQ(ordered.size(), static_cast<std::size_t>(kTasks));
    for (int i = 0; i < kTasks; ++i) {
        EXPECT_EQ(ordered[static_cast<std::size_t>(i)], i);
    }
}

} // namespace
} // namespace parley::server
