#include <parley/token/manual_scheduler.hpp>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace parley::token {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart{std::chrono::milliseconds{1'000'000}};

TEST(ManualScheduler, FiresTimersInDueOrderWithTheClockAtEachDueTime) {
    token::ManualClock clock{kStart};
    ManualScheduler scheduler{clock};
    std::vector<std::pair<std::string, TimePoint>> ran;
    scheduler.scheduleAt(kStart + 30s, [&] { ran.emplace_back("b", clock.now()); });
    scheduler.scheduleAt(kStart + 10s, [&] { ran.emplace_back("a", clock.now()); });
    scheduler.scheduleAt(kStart + 90s, [&] { ran.emplace_back("late", clock.now()); });
    scheduler.advance(60s);
    ASSERT_EQ(ran.size(), 2U);
    EXPECT_EQ(ran[0], std::pair(std::string{"a"}, kStart + 10s));
    EXPECT_EQ(ran[1], std::pair(std::string{"b"}, kStart + 30s));
    EXPECT_EQ(clock.now(), kStart + 60s);
    EXPECT_EQ(scheduler.pendingTimers(), 1U);
}

TEST(ManualScheduler, CancelledTimersNeverRun) {
    token::ManualClock clock{kStart};
    ManualScheduler scheduler{clock};
    bool ran = false;
    const auto id = scheduler.scheduleAt(kStart + 1s, [&] { ran = true; });
    scheduler.cancel(id);
    scheduler.advance(1h);
    EXPECT_FALSE(ran);
}

TEST(ManualScheduler, RunsTasksPostedFromAnotherThread) {
    token::ManualClock clock{kStart};
    ManualScheduler scheduler{clock};
    bool ran = false;
    std::thread poster{[&] { scheduler.post([&] { ran = true; }); }};
    EXPECT_TRUE(scheduler.runUntil([&] { return ran; }, 5s));
    poster.join();
}

TEST(ManualScheduler, NeverRunsATaskInsideTheCallThatPostedIt) {
    token::ManualClock clock{kStart};
    ManualScheduler scheduler{clock};
    bool ran = false;
    scheduler.post([&] { ran = true; });
    EXPECT_FALSE(ran);
    scheduler.runReady();
    EXPECT_TRUE(ran);
}

} // namespace
} // namespace parley::token
