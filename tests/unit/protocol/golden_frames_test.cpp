// The golden frames of tests/protocol/golden/ through the server's side of the protocol module:
// every request decodes into its op's arguments and re-encodes to the same frame, and every reply
// and event re-encodes, from the objects it carries, to the same frame. The C++ client and the
// browser SDK run the same files through their sides.

#include "protocol/events.hpp"
#include "protocol/frame.hpp"
#include "protocol/lifecycle_frames.hpp"
#include "protocol/replies.hpp"
#include "protocol/requests.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace parley::protocol {
namespace {

const std::filesystem::path kGolden{PARLEY_GOLDEN_DIR};

std::string read(const std::string& name) {
    std::ifstream file{kGolden / (name + ".json")};
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

Json golden(const std::string& name) {
    return Json::parse(read(name));
}

template <typename T> T valueOf(const Decoded<T>& decoded, const std::string& name) {
    EXPECT_TRUE(decoded) << name << ": " << (decoded ? "" : decoded.error().message);
    return decoded ? *decoded : T{};
}

// Requests: parse as the server does, decode the op's arguments, encode them again.
template <typename R> std::string requestRoundTrip(const std::string& name) {
    const auto request = parseRequest(read(name));
    EXPECT_TRUE(request) << name;
    if (!request) {
        return {};
    }
    EXPECT_EQ(request->op, R::kOp) << name;
    return encodeRequest(request->id, valueOf(decodeArgs<R>(request->frame), name));
}

std::uint64_t replyTo(const Json& frame) {
    return frame.at("reply_to").get<std::uint64_t>();
}

template <typename Read, typename Encode>
std::string replyRoundTrip(const std::string& name, Read read_reply, Encode encode) {
    const Json frame = golden(name);
    return okReply(replyTo(frame), encode(valueOf(read_reply(frame), name)));
}

std::string errorRoundTrip(const std::string& name) {
    const auto parsed = parseServerFrame(read(name));
    EXPECT_TRUE(parsed) << name;
    const auto& reply = std::get<Reply>(*parsed);
    EXPECT_TRUE(reply.error.has_value()) << name;
    return errorReply(reply.reply_to, reply.error->code, reply.error->message);
}

std::string channelsRoundTrip(const std::string& name) {
    return replyRoundTrip(name, readChannelsReply, [](const ChannelsPage& page) {
        return channelsReply(page.channels, page.next_page_token);
    });
}

std::string memberRoundTrip(const std::string& name, EventKind kind) {
    return memberEvent(kind, valueOf(readMemberEvent(golden(name)), name));
}

using Encoder = std::function<std::string(const std::string&)>;

const std::map<std::string, Encoder>& encoders() {
    static const std::map<std::string, Encoder> kEncoders{
        {"request.init", requestRoundTrip<InitRequest>},
        {"request.update_token", requestRoundTrip<UpdateTokenRequest>},
        {"request.channel.create", requestRoundTrip<ChannelCreateRequest>},
        {"request.channel.list", requestRoundTrip<ChannelListRequest>},
        {"request.channel.list.page", requestRoundTrip<ChannelListRequest>},
        {"request.channel.join", requestRoundTrip<ChannelJoinRequest>},
        {"request.channel.leave", requestRoundTrip<ChannelLeaveRequest>},
        {"request.channel.members", requestRoundTrip<ChannelMembersRequest>},
        {"request.channel.add_member", requestRoundTrip<ChannelAddMemberRequest>},
        {"request.message.send", requestRoundTrip<MessageSendRequest>},
        {"request.message.history", requestRoundTrip<MessageHistoryRequest>},
        {"request.ping", requestRoundTrip<PingRequest>},
        {"reply.init",
         [](const std::string& n) {
             return replyRoundTrip(n, readTokenReply,
                                   [](const TokenReply& r) { return encodeReply(r); });
         }},
        {"reply.update_token",
         [](const std::string& n) {
             return replyRoundTrip(n, readTokenReply,
                                   [](const TokenReply& r) { return encodeReply(r); });
         }},
        {"reply.channel.create",
         [](const std::string& n) { return replyRoundTrip(n, readChannelReply, channelReply); }},
        {"reply.channel.join",
         [](const std::string& n) { return replyRoundTrip(n, readChannelReply, channelReply); }},
        {"reply.channel.leave",
         [](const std::string& n) { return replyRoundTrip(n, readChannelReply, channelReply); }},
        {"reply.channel.add_member",
         [](const std::string& n) { return replyRoundTrip(n, readChannelReply, channelReply); }},
        {"reply.channel.list", channelsRoundTrip},
        {"reply.channel.list.page", channelsRoundTrip},
        {"reply.channel.members",
         [](const std::string& n) { return replyRoundTrip(n, readMembersReply, membersReply); }},
        {"reply.message.send",
         [](const std::string& n) { return replyRoundTrip(n, readMessageReply, messageReply); }},
        {"reply.message.history",
         [](const std::string& n) {
             return replyRoundTrip(n, readMessagesReply,
                                   [](const auto& page) { return messagesReply(page); });
         }},
        {"reply.ping",
         [](const std::string& n) { return replyRoundTrip(n, readPingReply, pingReply); }},
        {"reply.error", errorRoundTrip},
        {"reply.error.token", errorRoundTrip},
        {"event.token_about_to_expire",
         [](const std::string& n) {
             const Json frame = golden(n);
             return tokenAboutToExpireFrame(valueOf(readAboutToExpireEvent(frame), n),
                                            frame.at("server_time").get<std::int64_t>());
         }},
        {"event.token_expired",
         [](const std::string& n) {
             return tokenExpiredFrame(golden(n).at("server_time").get<std::int64_t>());
         }},
        {"event.message",
         [](const std::string& n) {
             return messageEvent(valueOf(readMessageEvent(golden(n)), n));
         }},
        {"event.member_joined",
         [](const std::string& n) { return memberRoundTrip(n, EventKind::kMemberJoined); }},
        {"event.member_left",
         [](const std::string& n) { return memberRoundTrip(n, EventKind::kMemberLeft); }},
    };
    return kEncoders;
}

TEST(GoldenFrames, EveryFileHasAServerSideRoundTripAndEveryRoundTripAFile) {
    std::set<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(kGolden)) {
        if (entry.path().extension() == ".json") {
            files.insert(entry.path().stem().string());
        }
    }
    std::set<std::string> handled;
    for (const auto& [name, encode] : encoders()) {
        handled.insert(name);
    }
    EXPECT_EQ(files, handled);
}

TEST(GoldenFrames, RoundTripThroughTheServersDecodersAndEncoders) {
    for (const auto& [name, encode] : encoders()) {
        const std::string encoded = encode(name);
        const Json again = Json::parse(encoded, nullptr, false);
        ASSERT_FALSE(again.is_discarded()) << name << ": " << encoded;
        EXPECT_EQ(again, golden(name)) << name;
    }
}

TEST(GoldenFrames, EventNamesRoundTrip) {
    for (const EventKind kind :
         {EventKind::kTokenAboutToExpire, EventKind::kTokenExpired, EventKind::kMessage,
          EventKind::kMemberJoined, EventKind::kMemberLeft}) {
        EXPECT_EQ(parseEventKind(eventName(kind)), kind);
        EXPECT_TRUE(
            std::filesystem::exists(kGolden / ("event." + std::string{eventName(kind)} + ".json")));
    }
    EXPECT_EQ(parseEventKind("no_such_event"), std::nullopt);
}

} // namespace
} // namespace parley::protocol
