#include "server/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using namespace std::chrono_literals;

// The exposition as series -> value ("name{labels}" -> number); comments are checked apart.
std::map<std::string, double> samples(const std::string& text) {
    std::map<std::string, double> out;
    std::istringstream lines{text};
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::size_t space = line.rfind(' ');
        EXPECT_NE(space, std::string::npos) << line;
        if (space == std::string::npos) {
            continue;
        }
        const std::string series = line.substr(0, space);
        EXPECT_TRUE(out.emplace(series, std::stod(line.substr(space + 1))).second)
            << "series twice: " << series;
    }
    return out;
}

double sample(const Metrics& metrics, const std::string& series) {
    const auto all = samples(metrics.render());
    const auto found = all.find(series);
    EXPECT_NE(found, all.end()) << "no series " << series << " in\n" << metrics.render();
    return found == all.end() ? -1 : found->second;
}

// docs/operations.md, "Metrics" and "Close reasons".
const std::vector<std::string> kDocumentedReasons = {
    "client_closed", "network_error", "init_timeout",   "token_rejected",
    "token_expired", "token_revoked", "protocol_error", "rate_limited",
    "too_big",       "too_slow",      "shutdown"};
const std::vector<std::string> kDocumentedBuckets = {"0.0001", "0.00025", "0.0005", "0.001",
                                                     "0.0025", "0.005",   "0.01",   "0.025",
                                                     "0.05",   "0.1",     "0.25",   "1"};

TEST(Metrics, RendersEveryDocumentedSeriesAtZeroBeforeAnythingHappens) {
    const Metrics metrics;
    const auto all = samples(metrics.render());
    std::vector<std::string> expected = {
        "parley_connections_open",
        "parley_tokens_verified_total{code=\"0\"}",
        "parley_lifecycle_events_total{event=\"token_about_to_expire\"}",
        "parley_lifecycle_events_total{event=\"token_expired\"}",
        "parley_messages_stored_total",
        "parley_store_commit_seconds_bucket{le=\"+Inf\"}",
        "parley_store_commit_seconds_sum",
        "parley_store_commit_seconds_count",
        "parley_accept_failures_total",
        "parley_connections_shed_total",
    };
    for (const token::TokenError code : token::kAllTokenErrors) {
        expected.push_back("parley_tokens_verified_total{code=\"" +
                           std::to_string(static_cast<int>(code)) + "\"}");
    }
    for (const std::string& reason : kDocumentedReasons) {
        expected.push_back("parley_connections_closed_total{reason=\"" + reason + "\"}");
    }
    for (const std::string& le : kDocumentedBuckets) {
        expected.push_back("parley_store_commit_seconds_bucket{le=\"" + le + "\"}");
    }
    for (const std::string& series : expected) {
        const auto found = all.find(series);
        ASSERT_NE(found, all.end()) << series << " missing from\n" << metrics.render();
        EXPECT_EQ(found->second, 0.0) << series;
    }
    EXPECT_EQ(all.size(), expected.size()) << metrics.render();
}

TEST(Metrics, CountsFailedAcceptsAndShedConnections) {
    Metrics metrics;
    metrics.acceptFailed(3);
    metrics.acceptFailed(0);
    const std::string text = metrics.render();
    EXPECT_NE(text.find("\nparley_accept_failures_total 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nparley_connections_shed_total 3\n"), std::string::npos) << text;
}

TEST(Metrics, EveryMetricHasHelpAndType) {
    const std::string text = Metrics{}.render();
    const std::map<std::string, std::string> types = {
        {"parley_connections_open", "gauge"},
        {"parley_tokens_verified_total", "counter"},
        {"parley_lifecycle_events_total", "counter"},
        {"parley_connections_closed_total", "counter"},
        {"parley_messages_stored_total", "counter"},
        {"parley_store_commit_seconds", "histogram"},
        {"parley_accept_failures_total", "counter"},
        {"parley_connections_shed_total", "counter"},
    };
    for (const auto& [name, type] : types) {
        EXPECT_NE(text.find("# HELP " + name + " "), std::string::npos) << name;
        EXPECT_NE(text.find("# TYPE " + name + " " + type + "\n"), std::string::npos) << name;
    }
}

TEST(Metrics, CountsOpenAndClosedConnections) {
    Metrics metrics;
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionOpened();
    metrics.connectionClosed(CloseReason::kShutdown);
    metrics.connectionClosed(CloseReason::kTokenExpired);
    metrics.connectionClosed(CloseReason::kTokenExpired);
    metrics.connectionOpened(); // 4 opened, 3 closed
    EXPECT_EQ(metrics.openConnections(), 1);
    EXPECT_EQ(sample(metrics, "parley_connections_open"), 1);
    EXPECT_EQ(sample(metrics, "parley_connections_closed_total{reason=\"shutdown\"}"), 1);
    EXPECT_EQ(sample(metrics, "parley_connections_closed_total{reason=\"token_expired\"}"), 2);
    EXPECT_EQ(sample(metrics, "parley_connections_closed_total{reason=\"client_closed\"}"), 0);
}

TEST(Metrics, CountsEveryCloseReasonUnderItsOwnLabel) {
    Metrics metrics;
    for (std::size_t i = 0; i < kCloseReasonCount; ++i) {
        for (std::size_t times = 0; times <= i; ++times) {
            metrics.connectionOpened();
            metrics.connectionClosed(static_cast<CloseReason>(i));
        }
    }
    for (std::size_t i = 0; i < kCloseReasonCount; ++i) {
        const std::string series = "parley_connections_closed_total{reason=\"" +
                                   std::string{closeReasonName(static_cast<CloseReason>(i))} +
                                   "\"}";
        EXPECT_EQ(sample(metrics, series), static_cast<double>(i + 1)) << series;
    }
    EXPECT_EQ(metrics.openConnections(), 0);
}

TEST(Metrics, CountsTokenVerificationsByResultCode) {
    Metrics metrics;
    metrics.tokenVerified(nullptr);
    metrics.tokenVerified(nullptr);
    const token::TokenFailure expired{token::TokenError::kExpired, "expired 3 s ago"};
    const token::TokenFailure too_long{token::TokenError::kLifetimeTooLong, "25 h"};
    metrics.tokenVerified(&expired);
    metrics.tokenVerified(&too_long);
    metrics.tokenVerified(&too_long);
    EXPECT_EQ(sample(metrics, "parley_tokens_verified_total{code=\"0\"}"), 2);
    EXPECT_EQ(sample(metrics, "parley_tokens_verified_total{code=\"20104\"}"), 1);
    EXPECT_EQ(sample(metrics, "parley_tokens_verified_total{code=\"20157\"}"), 2);
    EXPECT_EQ(sample(metrics, "parley_tokens_verified_total{code=\"20101\"}"), 0);
}

TEST(Metrics, IgnoresATokenCodeOutsideTheKnownSet) {
    Metrics metrics;
    const token::TokenFailure odd{static_cast<token::TokenError>(29999), "?"};
    metrics.tokenVerified(&odd);
    const auto all = samples(metrics.render());
    for (const auto& [series, value] : all) {
        if (series.starts_with("parley_tokens_verified_total")) {
            EXPECT_EQ(value, 0) << series;
        }
    }
}

TEST(Metrics, CountsLifecycleEventsByEvent) {
    Metrics metrics;
    metrics.lifecycleEventSent(LifecycleEvent::kAboutToExpire);
    metrics.lifecycleEventSent(LifecycleEvent::kAboutToExpire);
    metrics.lifecycleEventSent(LifecycleEvent::kExpired);
    EXPECT_EQ(sample(metrics, "parley_lifecycle_events_total{event=\"token_about_to_expire\"}"), 2);
    EXPECT_EQ(sample(metrics, "parley_lifecycle_events_total{event=\"token_expired\"}"), 1);
}

TEST(Metrics, AStoredMessageCountsAsAMessageAndACommit) {
    Metrics metrics;
    metrics.messageStored(2ms);
    metrics.storeCommit(3ms); // a commit that stored no message
    EXPECT_EQ(sample(metrics, "parley_messages_stored_total"), 1);
    EXPECT_EQ(sample(metrics, "parley_store_commit_seconds_count"), 2);
    EXPECT_DOUBLE_EQ(sample(metrics, "parley_store_commit_seconds_sum"), 0.005);
}

TEST(Metrics, AGroupCommitCountsEveryMessageAndOneCommit) {
    Metrics metrics;
    metrics.messagesStored(64, 2ms);
    metrics.messageStored(1ms);
    EXPECT_EQ(sample(metrics, "parley_messages_stored_total"), 65);
    EXPECT_EQ(sample(metrics, "parley_store_commit_seconds_count"), 2);
    EXPECT_DOUBLE_EQ(sample(metrics, "parley_store_commit_seconds_sum"), 0.003);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
    Metrics metrics;
    metrics.storeCommit(50us);  // <= 0.0001
    metrics.storeCommit(300us); // <= 0.0005
    metrics.storeCommit(2ms);   // <= 0.0025
    metrics.storeCommit(2s);    // only +Inf
    const std::map<std::string, double> expected = {
        {"0.0001", 1}, {"0.00025", 1}, {"0.0005", 2}, {"0.001", 2}, {"0.0025", 3},
        {"0.005", 3},  {"0.01", 3},    {"0.025", 3},  {"0.05", 3},  {"0.1", 3},
        {"0.25", 3},   {"1", 3},       {"+Inf", 4}};
    const auto all = samples(metrics.render());
    for (const auto& [le, count] : expected) {
        const std::string series = "parley_store_commit_seconds_bucket{le=\"" + le + "\"}";
        ASSERT_TRUE(all.contains(series)) << series;
        EXPECT_EQ(all.at(series), count) << series;
    }
    EXPECT_EQ(all.at("parley_store_commit_seconds_count"), 4);
    EXPECT_NEAR(all.at("parley_store_commit_seconds_sum"), 2.00235, 1e-9);
}

TEST(Metrics, ALatencyExactlyOnABucketBoundaryFallsInThatBucket) {
    Metrics metrics;
    metrics.storeCommit(100us);
    metrics.storeCommit(1ms);
    metrics.storeCommit(1s);
    EXPECT_EQ(sample(metrics, "parley_store_commit_seconds_bucket{le=\"0.0001\"}"), 1);
    EXPECT_EQ(sample(metrics, "parley_store_commit_seconds_bucket{le=\"0.001\"}"), 2);
    EXPECT_EQ(sample(metrics, "parley_store_commit_seconds_bucket{le=\"1\"}"), 3);
}

TEST(Metrics, BucketsNeverDecreaseAndEndAtTheCount) {
    Metrics metrics;
    const std::vector<std::chrono::nanoseconds> latencies = {
        10us, 200us, 400us, 900us, 4ms, 9ms, 20ms, 40ms, 90ms, 200ms, 900ms, 1500ms};
    for (const std::chrono::nanoseconds latency : latencies) {
        metrics.storeCommit(latency);
    }
    const std::string text = metrics.render();
    std::istringstream lines{text};
    std::string line;
    double previous = 0;
    std::size_t buckets = 0;
    while (std::getline(lines, line)) {
        if (line.starts_with("parley_store_commit_seconds_bucket")) {
            const double value = std::stod(line.substr(line.rfind(' ') + 1));
            EXPECT_GE(value, previous) << line;
            previous = value;
            ++buckets;
        }
    }
    EXPECT_EQ(buckets, kDocumentedBuckets.size() + 1);
    EXPECT_EQ(previous, 12);
}

// The sum grows for the life of the process; rendered with too few digits, rate(sum) over a
// scrape interval turns into steps and the mean latency it yields is noise.
TEST(Metrics, TheSumKeepsMicrosecondPrecisionAfterManyCommits) {
    Metrics metrics;
    for (int i = 0; i < 100'000; ++i) {
        metrics.storeCommit(std::chrono::nanoseconds{123'456'789});
    }
    // 100000 x 0.123456789 s = 12345.6789 s
    EXPECT_NEAR(sample(metrics, "parley_store_commit_seconds_sum"), 12345.6789, 1e-6)
        << metrics.render();
}

TEST(CloseReason, EveryReasonHasADistinctDocumentedName) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < kCloseReasonCount; ++i) {
        const std::string name{closeReasonName(static_cast<CloseReason>(i))};
        EXPECT_NE(name, "unknown") << i;
        EXPECT_FALSE(name.empty()) << i;
        EXPECT_TRUE(names.insert(name).second) << name << " used twice";
    }
    EXPECT_EQ(names, (std::set<std::string>{kDocumentedReasons.begin(), kDocumentedReasons.end()}));
    EXPECT_EQ(closeReasonName(CloseReason::kShutdown), "shutdown");
    EXPECT_EQ(closeReasonName(static_cast<CloseReason>(kCloseReasonCount - 1)), "shutdown")
        << "kCloseReasonCount must cover the last reason";
}

} // namespace
} // namespace parley::server
