// DueTimers and the sessions' AsioTimerScheduler on top of it: the timers of one io thread that
// fall due together run in one wake-up, in the order they were scheduled; a timer due later waits
// for its time, an earlier one re-arms the wait; a task may remove or add timers; a cancelled
// timer, or one of a destroyed scheduler, never runs.

#include "server/asio_timer_scheduler.hpp"
#include "server/due_timers.hpp"

#include <parley/token/clock.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

class DueTimersTest : public ::testing::Test {
protected:
    DueTimers::Key add(DueTimers::Clock::time_point due, std::string name) {
        return timers().add(
            due, [this, name = std::move(name)] { ran_.push_back(name); }, io_.get_executor());
    }
    DueTimers& timers() { return DueTimers::of(io_.get_executor()); }
    static DueTimers::Clock::time_point past() { return DueTimers::Clock::now() - 1ms; }
    static DueTimers::Clock::time_point later() { return DueTimers::Clock::now() + 1h; }

    asio::io_context io_;
    std::vector<std::string> ran_;
};

TEST_F(DueTimersTest, TimersDueTogetherRunInOrderInOneWakeUp) {
    const auto due = past();
    std::vector<std::string> expected;
    for (int i = 0; i < 100; ++i) {
        add(due, std::to_string(i));
        expected.push_back(std::to_string(i));
    }
    EXPECT_EQ(io_.poll(), 1U); // one handler for the hundred
    EXPECT_EQ(ran_, expected);
    EXPECT_EQ(timers().size(), 0U);
}

TEST_F(DueTimersTest, EarlierDueTimeRunsFirstAndALaterOneWaits) {
    const auto now = DueTimers::Clock::now();
    add(later(), "later");
    add(now - 1ms, "second");
    add(now - 2ms, "first");
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"first", "second"}));
    EXPECT_EQ(timers().size(), 1U); // "later" still waits, with the timer armed for it
    io_.restart();
    EXPECT_EQ(io_.poll(), 0U);
}

TEST_F(DueTimersTest, ARemovedTimerDoesNotRunAndTheOthersStillDo) {
    const auto due = past();
    add(due, "a");
    const auto removed = add(due, "b");
    add(due, "c");
    timers().remove(removed);
    timers().remove(removed); // harmless twice
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"a", "c"}));
}

TEST_F(DueTimersTest, RemovingTheEarliestLeavesTheNextToRunOnTime) {
    const auto first = add(past(), "first");
    add(past(), "next");
    timers().remove(first);
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"next"}));
}

TEST_F(DueTimersTest, ATaskMayRemoveATimerDueWithItAndAddAnother) {
    const auto due = past();
    std::optional<DueTimers::Key> doomed;
    timers().add(
        due,
        [&] {
            ran_.emplace_back("remover");
            timers().remove(*doomed);
            add(due - 1ms, "added"); // due already, and before "kept" in the queue
        },
        io_.get_executor());
    doomed = add(due, "doomed");
    add(due, "kept");
    EXPECT_EQ(io_.poll_one(), 1U);
    EXPECT_EQ(ran_, (std::vector<std::string>{"remover", "kept"}));
    io_.poll(); // the added timer in a wake-up of its own
    EXPECT_EQ(ran_, (std::vector<std::string>{"remover", "kept", "added"}));
}

TEST_F(DueTimersTest, ATimerAddedDueAlreadyLetsTheThreadsOtherHandlersRunFirst) {
    // A task that re-arms itself for a time already past must not keep the thread to itself.
    int passes = 0;
    std::function<void()> again = [&] {
        ran_.push_back("pass " + std::to_string(++passes));
        if (passes == 1) {
            asio::post(io_, [this] { ran_.emplace_back("posted"); });
        }
        if (passes < 3) {
            timers().add(past(), again, io_.get_executor());
        }
    };
    timers().add(past(), again, io_.get_executor());
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"pass 1", "posted", "pass 2", "pass 3"}));
}

TEST_F(DueTimersTest, ATimerRemovedFromAnotherThreadDoesNotRun) {
    const auto key = add(past(), "gone");
    std::thread{[this, key] { timers().remove(key); }}.join();
    io_.poll();
    EXPECT_TRUE(ran_.empty());
    EXPECT_EQ(timers().size(), 0U);
}

class AsioTimerSchedulerTest : public ::testing::Test {
protected:
    asio::io_context io_;
    token::ManualClock clock_{token::TimePoint{std::chrono::seconds{1'800'000'000}}};
    std::vector<std::string> ran_;
};

TEST_F(AsioTimerSchedulerTest, SchedulersOfOneThreadShareOneWakeUpForTheSameInstant) {
    std::vector<std::unique_ptr<AsioTimerScheduler>> sessions;
    for (int i = 0; i < 50; ++i) {
        auto& session =
            sessions.emplace_back(std::make_unique<AsioTimerScheduler>(io_.get_executor(), clock_));
        session->scheduleAt(clock_.now(), [this, i] { ran_.push_back(std::to_string(i)); });
        session->scheduleAt(clock_.now() + 1h, [this] { ran_.emplace_back("an hour later"); });
    }
    EXPECT_EQ(io_.poll(), 1U);
    ASSERT_EQ(ran_.size(), 50U);
    EXPECT_EQ(ran_.front(), "0");
    EXPECT_EQ(ran_.back(), "49");
    EXPECT_EQ(DueTimers::of(io_.get_executor()).size(), 50U); // the later ones wait
}

TEST_F(AsioTimerSchedulerTest, ACancelledTimerDoesNotRun) {
    AsioTimerScheduler scheduler{io_.get_executor(), clock_};
    const auto cancelled = scheduler.scheduleAt(clock_.now(), [this] { ran_.emplace_back("no"); });
    scheduler.scheduleAt(clock_.now(), [this] { ran_.emplace_back("yes"); });
    scheduler.cancel(cancelled);
    scheduler.cancel(cancelled);
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"yes"}));
}

TEST_F(AsioTimerSchedulerTest, DestroyingASchedulerDropsItsTimersAndItsPostedTasks) {
    auto doomed = std::make_unique<AsioTimerScheduler>(io_.get_executor(), clock_);
    AsioTimerScheduler kept{io_.get_executor(), clock_};
    doomed->scheduleAt(clock_.now(), [this] { ran_.emplace_back("doomed timer"); });
    doomed->post([this] { ran_.emplace_back("doomed post"); });
    kept.scheduleAt(clock_.now(), [this] { ran_.emplace_back("kept timer"); });
    doomed.reset();
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"kept timer"}));
    EXPECT_EQ(DueTimers::of(io_.get_executor()).size(), 0U);
}

TEST_F(AsioTimerSchedulerTest, ATaskMayDestroyItsOwnScheduler) {
    auto owner = std::make_unique<AsioTimerScheduler>(io_.get_executor(), clock_);
    owner->scheduleAt(clock_.now() + 1h, [this] { ran_.emplace_back("never"); });
    owner->scheduleAt(clock_.now(), [this, &owner] {
        ran_.emplace_back("ending");
        owner.reset(); // as a session that closes in its expiry timer and is released
    });
    io_.poll();
    EXPECT_EQ(ran_, (std::vector<std::string>{"ending"}));
    EXPECT_EQ(DueTimers::of(io_.get_executor()).size(), 0U);
}

} // namespace
} // namespace parley::server
