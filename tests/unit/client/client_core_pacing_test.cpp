#include "client/client_core.hpp"
#include "client/client_core_harness.hpp"
#include "protocol/names.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

// Requests issued back to back are paced within the limits the server announced at init, and
// queued (bounded) rather than refused; messages too long for the protocol are refused before
// they are sent. A model of the server's token bucket reads the frames the way the server does
// (one at a time, stalling now and then) and checks that none would be refused (50429).

namespace parley::client::testing {
namespace {

const std::string kSid = "CH0123456789abcdef0123456789abcdef";

// The server's rule, independently: a bucket of `burst` frames, refilled at `rate` per second,
// full when the connection opens; a frame read with less than one token left is refused.
class ServerBucket {
public:
    ServerBucket(double rate, double burst, TimePoint now)
        : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}
    bool allow(TimePoint now) {
        tokens_ =
            std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
        last_ = now;
        if (tokens_ < 1.0) {
            return false;
        }
        tokens_ -= 1.0;
        return true;
    }

private:
    double rate_;
    double burst_;
    double tokens_;
    TimePoint last_;
};

// The server as the model sees it: it reads one frame at a time and checks it against its
// bucket, then answers it after 0-20 ms, or, once in `stall_one_in` reads, after up to 500 ms (a
// slow disk), reading nothing meanwhile.
class ModelServer {
public:
    ModelServer(CoreHarness& h, double rate, double burst, std::uint64_t seed, int stall_one_in)
        : h_(&h), bucket_(rate, burst, h.clock.now()), random_(seed),
          stall_one_in_(static_cast<std::uint64_t>(stall_one_in)) {}

    /// The connection's first frame (init), read as the connection opens.
    void readInit() { refused += bucket_.allow(h_->clock.now()) ? 0U : 1U; }
    /// Reads the next frame if idle, or answers the one read when its time has come. True when
    /// it answered (the client may have more to send at once).
    bool step() {
        if (!serving_ && h_->connection().unread() > 0) {
            serving_ = h_->connection().take();
            refused += bucket_.allow(h_->clock.now()) ? 0U : 1U;
            const bool stall = random_() % stall_one_in_ == 0;
            answer_at_ =
                h_->clock.now() + std::chrono::milliseconds{random_() % (stall ? 500 : 20)};
        }
        if (!serving_ || h_->clock.now() < answer_at_) {
            return false;
        }
        h_->replyOk(*serving_, protocol::messageReply(messageAt(kSid, next_index_++)));
        serving_.reset();
        return true;
    }

    std::size_t refused = 0; // frames the server's bucket would have refused (50429)

private:
    CoreHarness* h_;
    ServerBucket bucket_;
    std::mt19937_64 random_;
    std::uint64_t stall_one_in_;
    std::optional<protocol::Request> serving_;
    TimePoint answer_at_{};
    std::int64_t next_index_ = 0;
};

struct PacingRun {
    std::size_t refused = 0;
    std::size_t acknowledged = 0; // sends completed with the index they were sent in
    std::chrono::milliseconds took{0};
};

// `count` messages sent back to back through a core connected to a ModelServer announcing `rate`
// and `burst`, run millisecond by millisecond until all are answered.
PacingRun sendBackToBack(double rate, double burst, int count, std::uint64_t seed,
                         int stall_one_in = 10) {
    auto options = CoreHarness::defaults();
    options.max_queued_requests = 1024;
    CoreHarness h{options};
    h.limits = protocol::ConnectionLimits{.rate_per_second = rate, .rate_burst = burst};
    const TimePoint opened = h.clock.now();
    ModelServer server{h, rate, burst, seed, stall_one_in};
    h.core->start(h.aliceToken());
    h.settle();
    server.readInit();
    h.acceptInit();
    std::vector<Outcome<Message>> sent(static_cast<std::size_t>(count));
    for (auto& outcome : sent) {
        h.core->send(kSid, "m", "", outcome.done());
    }
    std::size_t answered = 0;
    while (answered < sent.size() && h.clock.now() < opened + 10min) {
        if (server.step()) {
            ++answered;
        } else {
            h.scheduler.advance(1ms);
        }
    }
    PacingRun run{
        .refused = server.refused,
        .took = std::chrono::duration_cast<std::chrono::milliseconds>(h.clock.now() - opened)};
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const auto& result = sent[i].result;
        run.acknowledged +=
            result && *result && (*result)->index == static_cast<std::int64_t>(i) ? 1U : 0U;
    }
    return run;
}

TEST(ClientCorePacing, MessagesSentBackToBackStayWithinTheAnnouncedRateWhateverTheServerStalls) {
    struct Limits {
        double rate;
        double burst;
    };
    for (const Limits limits : {Limits{20, 6}, Limits{20, 2}, Limits{5, 1}, Limits{50, 100}}) {
        for (std::uint64_t seed = 1; seed <= 5; ++seed) {
            const auto run = sendBackToBack(limits.rate, limits.burst, 60, seed);
            EXPECT_EQ(run.refused, 0U)
                << "rate " << limits.rate << ", burst " << limits.burst << ", seed " << seed;
            EXPECT_EQ(run.acknowledged, 60U);
        }
    }
}

TEST(ClientCorePacing, PacingKeepsCloseToTheAnnouncedRate) {
    // 200 messages at 20 per second with a server that never stalls: about 10 s, not much more
    // (90 % of the rate, so at most ~11 s plus the time the answers take).
    const auto run = sendBackToBack(20, 6, 200, 7, /*stall_one_in=*/1'000'000);
    EXPECT_EQ(run.refused, 0U);
    EXPECT_LE(run.took, 13s);
    EXPECT_GE(run.took, 9s) << "not faster than the server allows";
}

TEST(ClientCorePacing, WithoutAnnouncedLimitsRequestsGoAtOnce) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    std::vector<Outcome<Message>> sent(4);
    for (auto& outcome : sent) {
        h.core->send(kSid, "m", "", outcome.done());
    }
    h.settle();
    EXPECT_EQ(h.connection().unread(), 4U) << "a server that announces nothing is not paced";
}

TEST(ClientCorePacing, TheQueueIsBoundedWithAClearError) {
    CoreHarness h; // at most 4 waiting
    h.limits = protocol::ConnectionLimits{.rate_per_second = 1, .rate_burst = 2};
    h.connectWith(h.aliceToken());
    std::vector<Outcome<Message>> sent(8);
    for (auto& outcome : sent) {
        h.core->send(kSid, "m", "", outcome.done());
    }
    h.settle();
    std::size_t full = 0;
    for (const auto& outcome : sent) {
        if (outcome.result) {
            ASSERT_FALSE(*outcome.result);
            EXPECT_EQ(outcome.result->error().code, static_cast<int>(ClientErrorCode::kQueueFull));
            EXPECT_NE(outcome.result->error().message.find("waiting to be sent"),
                      std::string::npos);
            ++full;
        }
    }
    EXPECT_EQ(full, 4U) << "four waiting (init took the bucket's one token), four refused";
    EXPECT_EQ(h.core->stats().queued_requests, 4U);
    h.scheduler.advance(2s);
    EXPECT_EQ(h.connection().unread(), 1U) << "a window of one: the next waits for its reply";
    EXPECT_EQ(h.core->stats().queued_requests, 3U);
}

TEST(ClientCorePacing, ALostConnectionKeepsWhatWaitsForTheRateAndSendsItAfterTheReconnect) {
    CoreHarness h;
    h.limits = protocol::ConnectionLimits{.rate_per_second = 1, .rate_burst = 2};
    h.connectWith(h.aliceToken());
    std::vector<Outcome<Message>> sent(3);
    for (auto& outcome : sent) {
        h.core->send(kSid, "m", "", outcome.done());
    }
    h.scheduler.advance(2s);
    ASSERT_EQ(h.connection().unread(), 1U);
    h.serverEnds(0);
    ASSERT_TRUE(sent[0].result);
    EXPECT_EQ(sent[0].result->error().code, static_cast<int>(ClientErrorCode::kConnectionLost));
    EXPECT_FALSE(sent[1].result) << "never sent: it waits for the next connection";
    EXPECT_FALSE(sent[2].result);
    h.scheduler.advance(CoreHarness::defaults().reconnect.initial);
    h.acceptInit();
    h.settle();
    EXPECT_EQ(h.connection().unread(), 0U) << "paced again on the new connection";
    h.scheduler.advance(2s);
    EXPECT_EQ(h.connection().unread(), 1U);
}

TEST(ClientCoreLimits, AMessageBodyOver32KiBIsRefusedBeforeSending) {
    CoreHarness h;
    h.connectWith(h.aliceToken());
    Outcome<Message> too_long;
    h.core->send(kSid, std::string(protocol::kMaxBodyBytes + 1, 'x'), "", too_long.done());
    ASSERT_TRUE(too_long.result && !*too_long.result);
    EXPECT_EQ(too_long.result->error().code, static_cast<int>(protocol::ErrorCode::kBodyTooLarge));
    EXPECT_NE(too_long.result->error().message.find("message too long"), std::string::npos);
    // A body of control characters within 32 KiB whose frame would pass 64 KiB once escaped:
    // the server would close the connection (1009); refused here with the same code instead.
    Outcome<Message> escaped;
    h.core->send(kSid, std::string(protocol::kMaxBodyBytes, '\x01'), "", escaped.done());
    ASSERT_TRUE(escaped.result && !*escaped.result);
    EXPECT_EQ(escaped.result->error().code, static_cast<int>(protocol::ErrorCode::kBodyTooLarge));
    h.settle();
    EXPECT_EQ(h.connection().unread(), 0U) << "neither was sent";
    Outcome<Message> longest;
    h.core->send(kSid, std::string(protocol::kMaxBodyBytes, 'x'), "", longest.done());
    h.settle();
    EXPECT_EQ(h.connection().unread(), 1U) << "32 KiB exactly is allowed";
    EXPECT_FALSE(longest.result);
}

} // namespace
} // namespace parley::client::testing
