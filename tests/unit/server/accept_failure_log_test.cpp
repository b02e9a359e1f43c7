#include "server/accept_failure_log.hpp"

#include <gtest/gtest.h>

namespace parley::server {
namespace {

using namespace std::chrono_literals;
using Clock = AcceptFailureLog::Clock;

constexpr Clock::time_point kT0{1000s};

TEST(AcceptFailureLog, LogsTheFirstFailureAtOnce) {
    AcceptFailureLog log{10s};
    const auto line = log.failed(kT0, "Too many open files", 1);
    ASSERT_TRUE(line);
    EXPECT_EQ(*line,
              "accept failed: Too many open files; 1 failure and 1 connection shed since the "
              "last report (reported at most every 10 s)");
    EXPECT_FALSE(log.flushDue());
}

TEST(AcceptFailureLog, HoldsFailuresWithinTheIntervalAndReportsTheirCount) {
    AcceptFailureLog log{10s};
    ASSERT_TRUE(log.failed(kT0, "Too many open files", 1));
    for (int i = 0; i < 1000; ++i) {
        EXPECT_FALSE(log.failed(kT0 + 5s, "Too many open files", 2));
    }
    EXPECT_EQ(log.flushDue(), kT0 + 10s);
    EXPECT_FALSE(log.flush(kT0 + 10s - 1ns));
    const auto line = log.flush(kT0 + 10s);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find("1000 failures and 2000 connections shed"), std::string::npos) << *line;
    EXPECT_FALSE(log.flushDue());
    EXPECT_FALSE(log.flush(kT0 + 30s));
}

TEST(AcceptFailureLog, AFailureAfterAQuietIntervalIsLoggedAtOnceWithWhatWasHeld) {
    AcceptFailureLog log{10s};
    ASSERT_TRUE(log.failed(kT0, "Too many open files", 0));
    EXPECT_FALSE(log.failed(kT0 + 1s, "Too many open files", 0));
    const auto line = log.failed(kT0 + 10s, "Too many open files in system", 3);
    ASSERT_TRUE(line);
    EXPECT_NE(line->find("Too many open files in system; 2 failures and 3 connections shed"),
              std::string::npos)
        << *line;
    EXPECT_FALSE(log.failed(kT0 + 19s, "Too many open files", 0));
    EXPECT_TRUE(log.failed(kT0 + 20s, "Too many open files", 0));
}

} // namespace
} // namespace parley::server
