#include "client/client_core.hpp"
#include "client/client_core_harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// The golden frames of tests/protocol/golden, as the C++ client meets them: every request is what
// a ClientCore sends for the same operation (the golden ids are one session's: init is 1, then
// one operation each), every reply and event goes into a ClientCore as the server's frame and
// comes out as the SDK types and events an app sees. A golden file that no test here uses fails
// the coverage check of its kind, so a new shape cannot go untested on the client side.
//
// Replies and events are decoded only: the client has no encoder for them (the server's golden
// test re-encodes them).

namespace parley::client::testing {
namespace {

namespace fs = std::filesystem;
using Events = std::vector<std::string>;

const TimePoint kGoldenNow{std::chrono::milliseconds{1'800'000'000'000}};
const std::string kGeneral = "CH0123456789abcdef0123456789abcdef";
const std::string kTeam = "CHfedcba9876543210fedcba9876543210";
const std::string kBody = "hello \u00e9\u4e16\"quoted\"";

std::string text(const std::string& file) {
    std::ifstream in{fs::path{PARLEY_GOLDEN_DIR} / file};
    EXPECT_TRUE(in) << file;
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

Json golden(const std::string& file) {
    return Json::parse(text(file));
}

// The golden file of a request, reply or event, named by the protocol's names.
std::string request(std::string_view op) {
    return "request." + std::string{op} + ".json";
}
std::string reply(std::string_view op) {
    return "reply." + std::string{op} + ".json";
}
std::string event(std::string_view name) {
    return "event." + std::string{name} + ".json";
}

std::set<std::string> filesOfKind(const std::string& prefix) {
    std::set<std::string> out;
    for (const auto& entry : fs::directory_iterator{PARLEY_GOLDEN_DIR}) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with(prefix) && name.ends_with(".json")) {
            out.insert(name);
        }
    }
    return out;
}

// A ClientCore at the golden session's time, connected by the golden init reply.
class GoldenSession {
public:
    GoldenSession() { h.clock.set(kGoldenNow); }

    /// Starts with the golden token and opens the connection: init (id 1) is sent.
    void start() {
        h.core->start(token());
        h.settle();
        h.connection().open();
    }
    /// start(), then the golden init reply.
    void connect() {
        start();
        receive(reply(protocol::op::kInit));
    }
    std::string token() const { return golden(request(protocol::op::kInit))["token"]; }

    /// Sends `file` as the server's frame.
    void receive(const std::string& file) {
        received.insert(file);
        h.serverSends(text(file));
    }
    /// The next frame the client sent, recorded as what the client does for `file`.
    void sent(const std::string& file) {
        h.settle();
        const auto request = h.connection().take();
        frames[file] = request.frame;
    }

    CoreHarness h;
    std::map<std::string, Json> frames;
    std::set<std::string> received;
};

void expectGeneral(const Result<Channel>& channel) {
    ASSERT_TRUE(channel) << channel.error().message;
    EXPECT_EQ(channel->sid, kGeneral);
    EXPECT_EQ(channel->unique_name, "general");
    EXPECT_EQ(channel->friendly_name, "General");
    EXPECT_EQ(channel->type, "public");
    EXPECT_EQ(Json::parse(channel->attributes), (Json{{"topic", "anything"}}));
    EXPECT_EQ(channel->created_by, "alice");
}

void expectTeam(const Channel& channel) {
    EXPECT_EQ(channel.sid, kTeam);
    EXPECT_EQ(channel.unique_name, "team");
    EXPECT_EQ(channel.type, "private");
    EXPECT_EQ(channel.attributes, "{}");
    EXPECT_EQ(channel.created_by, "bob");
}

void expectFirstMessage(const Message& message) {
    EXPECT_EQ(message.sid, "IM0123456789abcdef0123456789abcdef");
    EXPECT_EQ(message.index, 0);
    EXPECT_EQ(message.channel, kGeneral);
    EXPECT_EQ(message.author, "alice");
    EXPECT_EQ(message.body, kBody);
    EXPECT_EQ(Json::parse(message.attributes), (Json{{"importance", "high"}}));
    EXPECT_EQ(message.date_created.time_since_epoch().count(), 1800000001000);
}

// Every operation once, in the golden ids' order, each answered by its golden reply.
struct Operations {
    Outcome<Channel> created, joined, left, added;
    Outcome<std::vector<Channel>> listed;
    Outcome<std::vector<Member>> members;
    Outcome<TokenInfo> updated;
    Outcome<Message> sent;
    Outcome<std::vector<Message>> history;
    Outcome<UnixMillis> pinged;

    void issue(GoldenSession& s, const std::string& token) {
        ClientCore& core = *s.h.core;
        core.createChannel("general", false, "General", R"({"topic":"anything"})", created.done());
        s.sent(request(protocol::op::kChannelCreate));
        core.listChannels(listed.done());
        s.sent(request(protocol::op::kChannelList));
        core.join("general", joined.done());
        s.sent(request(protocol::op::kChannelJoin));
        core.leave(kGeneral, left.done());
        s.sent(request(protocol::op::kChannelLeave));
        core.members("general", members.done());
        s.sent(request(protocol::op::kChannelMembers));
        core.updateToken(token, updated.done());
        s.sent(request(protocol::op::kUpdateToken));
        core.addMember("team", "carol", added.done());
        s.sent(request(protocol::op::kChannelAddMember));
        core.send("general", kBody, R"({"importance":"high"})", sent.done());
        s.sent(request(protocol::op::kMessageSend));
        core.history("general", {.after = 41, .limit = 500}, history.done());
        s.sent(request(protocol::op::kMessageHistory));
        core.ping(pinged.done());
        s.sent(request(protocol::op::kPing));
    }
};

// listChannels over two pages: the golden first page (reply_to 3) names a next one, which the
// client asks for (id 4); the golden last page, answered to id 4, completes the list.
const std::string kListPageRequest = "request.channel.list.page.json";
const std::string kListPageReply = "reply.channel.list.page.json";

struct PagedList {
    Outcome<std::vector<Channel>> listed;

    void run(GoldenSession& s) {
        s.start();
        s.sent(request(protocol::op::kInit));
        s.receive(reply(protocol::op::kInit));
        Outcome<Channel> created;
        s.h.core->createChannel("general", false, "General", R"({"topic":"anything"})",
                                created.done());
        s.sent(request(protocol::op::kChannelCreate));
        s.h.core->listChannels(listed.done());
        s.sent(request(protocol::op::kChannelList));
        s.receive(kListPageReply);
        EXPECT_FALSE(listed.result) << "done before the last page";
        s.sent(kListPageRequest);
        EXPECT_EQ(s.frames[kListPageRequest], golden(kListPageRequest));
        Json last = golden(reply(protocol::op::kChannelList));
        last["reply_to"] = 4;
        s.h.serverSends(last.dump());
    }
};

TEST(GoldenFrames, ListChannelsPagesOnUntilTheLastPage) {
    GoldenSession session;
    PagedList paged;
    paged.run(session);
    ASSERT_TRUE(paged.listed.result && *paged.listed.result);
    const auto& channels = paged.listed.result->value();
    ASSERT_EQ(channels.size(), 3U); // general from the first page, general and team from the last
    expectGeneral(channels[0]);
    expectGeneral(channels[1]);
    expectTeam(channels[2]);
}

TEST(GoldenFrames, EveryRequestIsWhatTheClientSends) {
    GoldenSession session;
    session.start();
    session.sent(request(protocol::op::kInit));
    session.receive(reply(protocol::op::kInit));
    Operations{}.issue(session, session.token());
    GoldenSession paging;
    PagedList{}.run(paging);
    session.frames[kListPageRequest] = paging.frames[kListPageRequest];
    for (const auto& file : filesOfKind("request.")) {
        ASSERT_TRUE(session.frames.contains(file)) << file << ": no client operation sends it";
        EXPECT_EQ(session.frames[file], golden(file)) << file;
    }
}

// The ops after init, in the golden ids' order (2 to 11), as Operations::issue makes them.
const std::vector<std::string_view> kOpsInOrder = {
    protocol::op::kChannelCreate,    protocol::op::kChannelList,
    protocol::op::kChannelJoin,      protocol::op::kChannelLeave,
    protocol::op::kChannelMembers,   protocol::op::kUpdateToken,
    protocol::op::kChannelAddMember, protocol::op::kMessageSend,
    protocol::op::kMessageHistory,   protocol::op::kPing};
// The refused replies, each read by EveryRefusalKeepsTheServersCodeAndMessage.
const std::vector<std::string> kRefusals = {"reply.error.token.json", "reply.error.json"};
// Read by ListChannelsPagesOnUntilTheLastPage.
const std::vector<std::string> kOtherReplies = {"reply.channel.list.page.json"};

void expectListsAndMembers(const Operations& ops) {
    ASSERT_TRUE(ops.listed.result && *ops.listed.result && ops.listed.result->value().size() == 2);
    expectGeneral(ops.listed.result->value()[0]);
    expectTeam(ops.listed.result->value()[1]);
    ASSERT_TRUE(ops.members.result && *ops.members.result);
    const auto& members = ops.members.result->value();
    ASSERT_EQ(members.size(), 2U);
    EXPECT_EQ(members[0].identity, "alice");
    EXPECT_EQ(members[0].joined_at.time_since_epoch().count(), 1800000000123);
    EXPECT_EQ(members[1].identity, "bob");
    EXPECT_EQ(members[1].joined_at.time_since_epoch().count(), 1800000000999);
}

void expectMessages(const Operations& ops) {
    ASSERT_TRUE(ops.sent.result && *ops.sent.result);
    expectFirstMessage(ops.sent.result->value());
    ASSERT_TRUE(ops.history.result && *ops.history.result);
    const auto& history = ops.history.result->value();
    ASSERT_EQ(history.size(), 2U);
    expectFirstMessage(history[0]);
    EXPECT_EQ(history[1].index, 1);
    EXPECT_EQ(history[1].author, "bob");
    EXPECT_EQ(history[1].body, "");
    EXPECT_EQ(history[1].attributes, "{}");
}

TEST(GoldenFrames, EveryReplyToASuccessfulRequestReadsIntoTheSdkTypes) {
    GoldenSession session;
    session.connect();
    EXPECT_EQ(session.h.log->only({"connected"}), (Events{"connected:alice"}));
    const auto token = tokenFromReply(golden(reply(protocol::op::kInit)));
    ASSERT_TRUE(token);
    EXPECT_EQ(token->identity, "alice");
    EXPECT_EQ(token->expires_at, 1800003600);
    EXPECT_EQ(token->server_time, 1800000000123);
    Operations ops;
    ops.issue(session, session.token());
    for (const auto op : kOpsInOrder) {
        session.receive(reply(op));
    }
    ASSERT_TRUE(ops.created.result && ops.joined.result && ops.left.result);
    expectGeneral(*ops.created.result);
    expectGeneral(*ops.joined.result);
    expectGeneral(*ops.left.result);
    expectListsAndMembers(ops);
    ASSERT_TRUE(ops.updated.result && *ops.updated.result);
    EXPECT_EQ(ops.updated.result->value().identity, "alice");
    EXPECT_EQ(ops.updated.result->value().expires_at.time_since_epoch().count(), 1800003600);
    ASSERT_TRUE(ops.added.result && *ops.added.result);
    expectTeam(ops.added.result->value());
    expectMessages(ops);
    ASSERT_TRUE(ops.pinged.result && *ops.pinged.result);
    EXPECT_EQ(ops.pinged.result->value().time_since_epoch().count(), 1800000005000);
}

// Each refusal in a session of its own, where its id is the refused request's.
TEST(GoldenFrames, EveryRefusalKeepsTheServersCodeAndMessage) {
    GoldenSession refused_init;
    refused_init.start();
    refused_init.receive("reply.error.token.json");
    EXPECT_EQ(refused_init.h.log->only({"token"}),
              (Events{tokenError(token::TokenError::kExpired)}));

    GoldenSession refused_join;
    refused_join.connect();
    Outcome<Channel> created;
    Outcome<Channel> joined;
    Outcome<std::vector<Channel>> listed;
    refused_join.h.core->createChannel("general", false, "", "", created.done());
    refused_join.h.core->listChannels(listed.done());
    refused_join.h.core->join("general", joined.done());
    refused_join.receive("reply.error.json");
    ASSERT_TRUE(joined.result && !*joined.result);
    EXPECT_EQ(joined.result->error().code, static_cast<int>(protocol::ErrorCode::kChannelNotFound));
    EXPECT_EQ(joined.result->error().message, "channel not found");
}

TEST(GoldenFrames, EveryReplyFileIsReadByAClientTest) {
    std::set<std::string> read{kRefusals.begin(), kRefusals.end()};
    read.insert(kOtherReplies.begin(), kOtherReplies.end());
    read.insert(reply(protocol::op::kInit));
    for (const auto op : kOpsInOrder) {
        read.insert(reply(op));
    }
    for (const auto& file : filesOfKind("reply.")) {
        EXPECT_TRUE(read.contains(file)) << file << ": no client test reads it";
    }
    for (const auto& file : read) {
        EXPECT_TRUE(fs::exists(fs::path{PARLEY_GOLDEN_DIR} / file)) << file << " is gone";
    }
}

TEST(GoldenFrames, EveryEventReachesTheAppAsItsSdkEvent) {
    GoldenSession session;
    session.connect();
    session.h.log->clear();
    for (const auto name :
         {protocol::event::kMemberJoined, protocol::event::kMemberLeft, protocol::event::kMessage,
          protocol::event::kTokenAboutToExpire, protocol::event::kTokenExpired}) {
        session.receive(event(name));
    }
    EXPECT_EQ(session.h.log->events,
              (Events{"memberJoined:" + kGeneral + ":bob", "memberLeft:" + kGeneral + ":bob",
                      "message:" + kGeneral + ":0", "tokenAboutToExpire", "tokenExpired"}));
    ASSERT_EQ(session.h.log->messages.size(), 1U);
    expectFirstMessage(session.h.log->messages.front());
    const auto expiry = expiryFromEvent(golden(event(protocol::event::kTokenAboutToExpire)));
    ASSERT_TRUE(expiry);
    EXPECT_EQ(expiry->time_since_epoch().count(), 1800003600);
    for (const auto& file : filesOfKind("event.")) {
        EXPECT_TRUE(session.received.contains(file)) << file << ": no client test reads it";
    }
}

TEST(GoldenFrames, EveryGoldenFileIsARequestAReplyOrAnEvent) {
    for (const auto& entry : fs::directory_iterator{PARLEY_GOLDEN_DIR}) {
        const std::string name = entry.path().filename().string();
        if (name.ends_with(".json")) {
            EXPECT_TRUE(name.starts_with("request.") || name.starts_with("reply.") ||
                        name.starts_with("event."))
                << name << " is of a kind the client's golden tests do not know";
        }
    }
    EXPECT_FALSE(filesOfKind("request.").empty());
}

} // namespace
} // namespace parley::client::testing
