// The protocol logic of one connection, event by event on a manual clock: init timeout, the
// token lifecycle at exact instants (exp - W, exp), renewal, rate and protocol-error limits. The
// chat service, store, broker and hub are the real ones; only time and the socket are stand-ins.

#include "session_core_fixture.hpp"

#include <future>

namespace parley::server {
namespace {

using namespace testing_session;
using namespace std::chrono_literals;
using protocol::CloseCode;
using protocol::Json;

TEST_F(SessionCoreTest, InitRepliesWithIdentityExpiryAndTheServersClock) {
    auto session = open();
    const Json reply = init(*session, 600s);
    EXPECT_EQ(reply["identity"], "alice");
    EXPECT_EQ(reply["expires_at"], millis(kStart) / 1000 + 600);
    EXPECT_EQ(reply["server_time"], millis(kStart));
}

TEST_F(SessionCoreTest, ClosesWith4408AtTheInitTimeoutAndNotBefore) {
    auto session = open();
    scheduler_.advance(10s - 1ms);
    EXPECT_FALSE(session->closed);
    scheduler_.advance(1ms);
    EXPECT_EQ(session->closed, CloseCode::kInitTimeout);
}

TEST_F(SessionCoreTest, AnInitInTimeDisarmsTheInitTimeout) {
    auto session = open();
    init(*session, 600s);
    scheduler_.advance(11s);
    EXPECT_FALSE(session->closed);
}

TEST_F(SessionCoreTest, WarnsAtExactlyExpMinusWOnceThenExpiresAtExpAndCloses4410) {
    auto session = open();
    const Json reply = init(*session, 600s);
    const token::TimePoint exp = kStart + 600s;
    scheduler_.advance(600s - kWindow - 1ms);
    EXPECT_TRUE(session->events("token_about_to_expire").empty());
    scheduler_.advance(1ms);
    const auto warnings = session->events("token_about_to_expire");
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0]["expires_at"], reply["expires_at"]);
    EXPECT_EQ(warnings[0]["server_time"], millis(exp - kWindow));
    scheduler_.advance(kWindow - 1ms);
    EXPECT_TRUE(session->events("token_expired").empty());
    EXPECT_FALSE(session->closed);
    scheduler_.advance(1ms);
    const auto expired = session->events("token_expired");
    ASSERT_EQ(expired.size(), 1U);
    EXPECT_EQ(expired[0]["server_time"], millis(exp));
    EXPECT_EQ(session->closed, CloseCode::kTokenExpired);
    EXPECT_EQ(session->events("token_about_to_expire").size(), 1U);
}

TEST_F(SessionCoreTest, WarnsAtOnceWhenWOrLessIsLeftAndNotWhenMoreIs) {
    auto at_w = open();
    init(*at_w, kWindow);
    EXPECT_EQ(at_w->events("token_about_to_expire").size(), 1U);
    auto above_w = open();
    init(*above_w, kWindow + 1s, "bob");
    EXPECT_TRUE(above_w->events("token_about_to_expire").empty());
    scheduler_.advance(1s);
    EXPECT_EQ(above_w->events("token_about_to_expire").size(), 1U);
}

TEST_F(SessionCoreTest, ARenewalRearmsBothTimersFromTheNewExp) {
    auto session = open();
    init(*session, 300s);
    scheduler_.advance(300s - kWindow);
    ASSERT_EQ(session->events("token_about_to_expire").size(), 1U);
    const Json renewed = request(*session, "update_token", {{"token", token("alice", 600s)}});
    ASSERT_EQ(renewed["ok"], true) << renewed.dump();
    const token::TimePoint new_exp = clock_.now() + 600s;
    scheduler_.advance(600s - kWindow - 1ms); // far past the old exp
    EXPECT_TRUE(session->events("token_expired").empty());
    EXPECT_EQ(session->events("token_about_to_expire").size(), 1U);
    scheduler_.advance(1ms);
    ASSERT_EQ(session->events("token_about_to_expire").size(), 2U);
    EXPECT_EQ(session->events("token_about_to_expire")[1]["expires_at"], renewed["expires_at"]);
    scheduler_.advance(kWindow);
    ASSERT_EQ(session->events("token_expired").size(), 1U);
    EXPECT_EQ(session->events("token_expired")[0]["server_time"], millis(new_exp));
}

TEST_F(SessionCoreTest, TheSameTokenAgainFiresNothingTwice) {
    auto session = open();
    const std::string same = token("alice", 600s);
    ASSERT_EQ(request(*session, "init", {{"token", same}})["ok"], true);
    scheduler_.advance(600s - kWindow);
    ASSERT_EQ(session->events("token_about_to_expire").size(), 1U);
    ASSERT_EQ(request(*session, "update_token", {{"token", same}})["ok"], true);
    scheduler_.advance(kWindow);
    EXPECT_EQ(session->events("token_about_to_expire").size(), 1U);
    EXPECT_EQ(session->events("token_expired").size(), 1U);
}

TEST_F(SessionCoreTest, ARefusedUpdateKeepsTheOldTokenUntilItsOwnExp) {
    auto session = open();
    init(*session, 300s);
    EXPECT_EQ(request(*session, "update_token", {{"token", token("bob", 600s)}})["error"]["code"],
              20106);
    EXPECT_EQ(request(*session, "update_token", {{"token", token("alice", -1s)}})["error"]["code"],
              20104);
    EXPECT_FALSE(session->closed);
    scheduler_.advance(300s);
    EXPECT_EQ(session->events("token_expired").size(), 1U);
    EXPECT_EQ(session->closed, CloseCode::kTokenExpired);
}

TEST_F(SessionCoreTest, AnExpiredTokenAtInitGets20104AndCloses4401) {
    auto session = open();
    const Json reply = request(*session, "init", {{"token", token("alice", -5s)}});
    EXPECT_EQ(reply["error"]["code"], 20104);
    EXPECT_EQ(session->closed, CloseCode::kTokenRejected);
}

TEST_F(SessionCoreTest, OpsBeforeInitGet50004) {
    auto session = open();
    EXPECT_EQ(request(*session, "channel.list")["error"]["code"], 50004);
    EXPECT_FALSE(session->closed);
}

TEST_F(SessionCoreTest, RepeatedProtocolErrorsClose4400) {
    auto session = open();
    for (std::size_t i = 1; i < settings_.max_protocol_errors; ++i) {
        session->core.onFrame("not json");
        EXPECT_FALSE(session->closed) << i;
    }
    session->core.onFrame("not json");
    EXPECT_EQ(session->closed, CloseCode::kProtocolError);
}

TEST_F(SessionCoreTest, FramesOverTheRateGet50429AndRepeatedOnesClose4429) {
    auto session = open();
    init(*session, 600s);
    const auto burst = static_cast<int>(settings_.rate_burst);
    for (int i = 1; i < burst; ++i) { // init took one
        session->core.onFrame(R"({"id":1000,"op":"ping"})");
    }
    session->core.onFrame(R"({"id":2000,"op":"ping"})");
    EXPECT_EQ(session->frames.back()["error"]["code"], 50429);
    EXPECT_EQ(session->frames.back()["reply_to"], 2000);
    for (std::size_t i = 1; i < settings_.rate_strikes; ++i) {
        session->core.onFrame(R"({"id":3000,"op":"ping"})");
    }
    EXPECT_EQ(session->closed, CloseCode::kRateLimited);
}

TEST_F(SessionCoreTest, ReadsTheNextFrameOnlyWhenAChatOpHasAnswered) {
    auto session = open();
    init(*session, 600s);
    const int reads = session->reads;
    session->core.onFrame(R"({"id":50,"op":"channel.list"})");
    EXPECT_EQ(session->reads, reads) << "asked for a frame while channel.list was running";
    scheduler_.runUntil([&] { return session->reads > reads; }, 10s);
    EXPECT_EQ(session->reads, reads + 1);
    EXPECT_EQ(session->frames.back()["reply_to"], 50);
}

TEST_F(SessionCoreTest, ChannelEventsReachTheSessionAfterItsInitReply) {
    auto bob = open();
    init(*bob, 600s, "bob");
    ASSERT_EQ(request(*bob, "channel.create", {{"unique_name", "general"}})["ok"], true);
    auto alice = open();
    init(*alice, 600s);
    ASSERT_EQ(request(*alice, "channel.join", {{"channel", "general"}})["ok"], true);
    ASSERT_EQ(request(*bob, "message.send", {{"channel", "general"}, {"body", "hi"}})["ok"], true);
    barrier_.settle();
    scheduler_.runUntil([&] { return !alice->events("message").empty(); }, 10s);
    ASSERT_EQ(alice->events("message").size(), 1U);
    EXPECT_EQ(alice->events("message")[0]["message"]["body"], "hi");
    EXPECT_EQ(alice->frames.front()["reply_to"], 1U + 2U) << "the init reply comes first";
}

TEST_F(SessionCoreTest, AnOpAtExpGets20104AndCloses4410ThoughTheTimerHasNotRun) {
    auto session = open();
    init(*session, 600s);
    clock_.set(kStart + 600s - 1ms); // the clock only: the expiry timer is late
    session->core.onFrame(R"({"id":77,"op":"ping"})");
    EXPECT_EQ(session->frames.back()["ok"], true);
    clock_.set(kStart + 600s);
    session->core.onFrame(R"({"id":78,"op":"ping"})");
    ASSERT_GE(session->frames.size(), 2U);
    const Json refused = session->frames[session->frames.size() - 2];
    EXPECT_EQ(refused["reply_to"], 78);
    EXPECT_EQ(refused["error"]["code"], 20104);
    EXPECT_EQ(session->events("token_expired").size(), 1U);
    EXPECT_EQ(session->closed, CloseCode::kTokenExpired);
    scheduler_.runReady(); // the timer, when it runs, adds nothing
    EXPECT_EQ(session->events("token_expired").size(), 1U);
}

TEST_F(SessionCoreTest, ARenewalArrivingAtExpIsTooLate) {
    auto session = open();
    init(*session, 600s);
    clock_.set(kStart + 600s);
    session->core.onFrame(
        Json{{"id", 5}, {"op", "update_token"}, {"token", token("alice", 600s)}}.dump());
    EXPECT_EQ(session->frames[session->frames.size() - 2]["error"]["code"], 20104);
    EXPECT_EQ(session->closed, CloseCode::kTokenExpired);
}

TEST_F(SessionCoreTest, AMessageThatReachesTheStoreAtExpIsRefusedAndNotStored) {
    auto session = open();
    init(*session, 600s);
    const Json created = request(*session, "channel.create", {{"unique_name", "general"}});
    const auto sid = created["channel"]["sid"].get<std::string>();
    // The channel's strand is busy until the clock has reached exp, as under load.
    std::promise<void> release;
    workers_.postOrdered(sid, [wait = release.get_future().share()] { wait.wait(); });
    clock_.set(kStart + 600s - 1ms);
    session->core.onFrame(R"({"id":90,"op":"message.send","channel":"general","body":"late"})");
    drainWorkers(workers_); // checked before exp, then queued on the strand
    clock_.set(kStart + 600s);
    release.set_value();
    waitForStrand(workers_, sid);
    scheduler_.runReady(); // the reply was posted before the expiry timer runs
    ASSERT_GE(session->frames.size(), 2U);
    EXPECT_EQ(session->frames[session->frames.size() - 2]["reply_to"], 90);
    EXPECT_EQ(session->frames[session->frames.size() - 2]["error"]["code"], 20104);
    EXPECT_EQ(session->events("token_expired").size(), 1U);
    EXPECT_EQ(session->closed, CloseCode::kTokenExpired);
    const auto stored = store_->history(sid, HistoryQuery{});
    ASSERT_TRUE(stored);
    EXPECT_TRUE(stored->empty()) << "stored at "
                                 << stored->front().date_created.time_since_epoch().count();
}

TEST_F(SessionCoreTest, FinishDetachesFromTheHub) {
    auto session = open();
    init(*session, 600s);
    EXPECT_EQ(hub_.sessionCount(), 1U);
    session->core.finish(CloseReason::kClientClosed);
    EXPECT_EQ(hub_.sessionCount(), 0U);
}

} // namespace
} // namespace parley::server
