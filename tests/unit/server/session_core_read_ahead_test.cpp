// message.sends read ahead: while sends are in flight the session reads on, up to
// SessionCore::kMaxSendsInFlight, and whatever order the ops finish in, the replies leave in the
// order of the requests; any other frame waits until the sends have answered.

#include "session_core_fixture.hpp"

#include <future>
#include <string>
#include <vector>

namespace parley::server {
namespace {

using namespace testing_session;

std::string sendFrame(std::uint64_t id, std::string_view channel) {
    return Json{{"id", id},
                {"op", "message.send"},
                {"channel", channel},
                {"body", "message " + std::to_string(id)}}
        .dump();
}

class SessionReadAheadTest : public SessionCoreTest {
protected:
    /// The replies to requests numbered from `first`, in the order they were sent, once there
    /// are `count` of them.
    std::vector<Json> repliesFrom(TestSession& session, std::uint64_t first, std::size_t count) {
        std::vector<Json> found;
        scheduler_.runUntil(
            [&] {
                found.clear();
                for (const Json& frame : session.frames) {
                    if (frame.value("reply_to", std::uint64_t{0}) >= first) {
                        found.push_back(frame);
                    }
                }
                return found.size() >= count;
            },
            10s);
        EXPECT_EQ(found.size(), count);
        return found;
    }

    /// alice, initialized and the creator (so a member) of "general", whose sid it returns.
    std::string aliceInGeneral(TestSession& session) {
        init(session, 600s);
        const Json created = request(session, "channel.create", {{"unique_name", "general"}});
        return created["channel"]["sid"].get<std::string>();
    }
};

TEST_F(SessionReadAheadTest, ReadsSendsAheadAndRepliesInRequestOrderWithIndexesInThatOrder) {
    auto session = open();
    aliceInGeneral(*session);
    const int reads = session->reads;
    const std::size_t frames = session->frames.size();
    for (std::uint64_t id = 100; id < 110; ++id) {
        session->core.onFrame(sendFrame(id, "general"));
    }
    EXPECT_EQ(session->reads, reads + 10) << "each send should ask for the next frame at once";
    EXPECT_EQ(session->frames.size(), frames) << "replied before the scheduler ran";
    const auto replies = repliesFrom(*session, 100, 10);
    for (std::size_t i = 0; i < replies.size(); ++i) {
        EXPECT_EQ(replies[i]["reply_to"], 100 + i);
        EXPECT_EQ(replies[i]["ok"], true) << replies[i].dump();
        EXPECT_EQ(replies[i]["message"]["index"], i) << "committed out of the order sent";
        EXPECT_EQ(replies[i]["message"]["body"], "message " + std::to_string(100 + i));
    }
}

TEST_F(SessionReadAheadTest, StopsReadingAtTheWindowAndReadsOnWhenASendHasAnswered) {
    auto session = open();
    aliceInGeneral(*session);
    const int reads = session->reads;
    constexpr auto kWindowSize = SessionCore::kMaxSendsInFlight;
    for (std::uint64_t id = 100; id < 100 + kWindowSize; ++id) {
        session->core.onFrame(sendFrame(id, "general"));
    }
    EXPECT_EQ(session->reads, reads + static_cast<int>(kWindowSize) - 1)
        << "asked for a frame with the window full";
    const auto replies = repliesFrom(*session, 100, kWindowSize);
    EXPECT_EQ(replies.back()["reply_to"], 100 + kWindowSize - 1);
    EXPECT_EQ(session->reads, reads + static_cast<int>(kWindowSize));
}

TEST_F(SessionReadAheadTest, AnotherOpWaitsForTheSendsInFlightAndIsAnsweredAfterThem) {
    auto session = open();
    aliceInGeneral(*session);
    const int reads = session->reads;
    session->core.onFrame(sendFrame(100, "general"));
    session->core.onFrame(sendFrame(101, "general"));
    session->core.onFrame(R"({"id":102,"op":"ping"})");
    EXPECT_EQ(session->reads, reads + 2) << "read on past a ping held behind sends";
    const auto replies = repliesFrom(*session, 100, 3);
    EXPECT_EQ(replies[0]["reply_to"], 100);
    EXPECT_EQ(replies[1]["reply_to"], 101);
    EXPECT_EQ(replies[2]["reply_to"], 102);
    EXPECT_TRUE(replies[2].contains("server_time")) << replies[2].dump();
    EXPECT_EQ(session->reads, reads + 3) << "no frame asked for once the ping had answered";
}

TEST_F(SessionReadAheadTest, ASendRefusedAtOnceWaitsForTheReplyOfTheSendBeforeIt) {
    auto session = open();
    const std::string sid = aliceInGeneral(*session);
    // The channel's strand is busy, so the first send waits there while the second, to a
    // channel that does not exist, is refused by its check.
    std::promise<void> release;
    workers_.postOrdered(sid, [wait = release.get_future().share()] { wait.wait(); });
    session->core.onFrame(sendFrame(100, "general"));
    session->core.onFrame(sendFrame(101, "nowhere"));
    session->core.onFrame(sendFrame(102, "general"));
    waitForLane(workers_, "alice"); // her three sends checked: the refusal of 101 is posted
    scheduler_.runReady();
    EXPECT_TRUE(repliesFrom(*session, 100, 0).empty()) << "101 answered before 100";
    release.set_value();
    const auto replies = repliesFrom(*session, 100, 3);
    EXPECT_EQ(replies[0]["reply_to"], 100);
    EXPECT_EQ(replies[0]["ok"], true);
    EXPECT_EQ(replies[1]["reply_to"], 101);
    EXPECT_EQ(replies[1]["error"]["code"], static_cast<int>(protocol::ErrorCode::kChannelNotFound));
    EXPECT_EQ(replies[2]["reply_to"], 102);
    EXPECT_EQ(replies[2]["message"]["index"], 1);
}

// A send that reaches the store at exp ends the connection, but a later send already stored (to
// another channel, before exp) still gets its reply, in its place, before token_expired.
TEST_F(SessionReadAheadTest, ASendStoredBeforeExpKeepsItsReplyWhenAnEarlierOneReachesExp) {
    auto session = open();
    const std::string general = aliceInGeneral(*session);
    const Json other = request(*session, "channel.create", {{"unique_name", "other"}});
    const auto other_sid = other["channel"]["sid"].get<std::string>();
    std::promise<void> release; // general's strand is busy until exp
    workers_.postOrdered(general, [wait = release.get_future().share()] { wait.wait(); });
    clock_.set(kStart + 600s - 1ms);
    session->core.onFrame(sendFrame(100, "general"));
    session->core.onFrame(sendFrame(101, "other"));
    waitForLane(workers_, "alice");     // both checked
    waitForStrand(workers_, other_sid); // and 101 stored, before exp
    clock_.set(kStart + 600s);
    release.set_value();
    waitForStrand(workers_, general); // 100 refused at exp
    scheduler_.runReady();            // the replies were posted before the expiry timer runs
    const auto replies = repliesFrom(*session, 100, 2);
    ASSERT_EQ(replies.size(), 2U);
    EXPECT_EQ(replies[0]["reply_to"], 100);
    EXPECT_EQ(replies[0]["error"]["code"], static_cast<int>(token::TokenError::kExpired));
    EXPECT_EQ(replies[1]["reply_to"], 101);
    EXPECT_EQ(replies[1]["ok"], true) << replies[1].dump();
    EXPECT_EQ(session->frames.back().value("event", ""), "token_expired");
    EXPECT_EQ(session->closed, CloseCode::kTokenExpired);
}

} // namespace
} // namespace parley::server
