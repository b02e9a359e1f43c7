#include "protocol/frame.hpp"
#include "protocol/names.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace parley::protocol {
namespace {

// Parses a frame the test knows to be valid.
Request request(std::string_view text) {
    auto parsed = parseRequest(text);
    EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
    return parsed ? std::move(*parsed) : Request{};
}

// Asserts that `text` is refused as malformed and returns the error.
FrameError malformed(std::string_view text) {
    auto parsed = parseRequest(text);
    EXPECT_FALSE(parsed) << text;
    if (parsed) {
        return {};
    }
    EXPECT_EQ(parsed.error().code, ErrorCode::kMalformedFrame) << text;
    EXPECT_FALSE(parsed.error().message.empty()) << text;
    return parsed.error();
}

// A frame of exactly `size` bytes: {"id":1,"op":"ping","pad":"xxx..."}.
std::string frameOfSize(std::size_t size) {
    const std::string head = R"({"id":1,"op":"ping","pad":")";
    const std::string tail = R"("})";
    return head + std::string(size - head.size() - tail.size(), 'x') + tail;
}

// ---- parseRequest: success ----

TEST(ParseRequest, TakesIdOpAndKeepsTheWholeFrameForArguments) {
    const Request parsed = request(R"({"id": 7, "op": "message.send", "channel": "general"})");
    EXPECT_EQ(parsed.id, 7U);
    EXPECT_EQ(parsed.op, "message.send");
    ASSERT_TRUE(parsed.frame.is_object());
    EXPECT_EQ(parsed.frame.at("channel"), "general");
    EXPECT_EQ(parsed.frame.at("id"), 7);
}

TEST(ParseRequest, AcceptsIdZeroAndTheLargestUnsignedId) {
    EXPECT_EQ(request(R"({"id":0,"op":"ping"})").id, 0U);
    EXPECT_EQ(request(R"({"id":18446744073709551615,"op":"ping"})").id,
              std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseRequest, AcceptsSurroundingWhitespace) {
    EXPECT_EQ(request(" \n\t{\"id\":3,\"op\":\"ping\"}\r\n ").op, "ping");
}

TEST(ParseRequest, AcceptsAnEmptyOpStringAsAnOp) {
    // Whether the op exists is the dispatcher's question (50002), not the frame parser's.
    EXPECT_EQ(request(R"({"id":1,"op":""})").op, "");
}

// ---- parseRequest: failures ----

TEST(ParseRequest, RefusesTextThatIsNotJson) {
    for (const std::string_view text :
         {"", " ", "hello", "{", "{\"id\":1,\"op\":\"ping\"", "{\"id\":1,\"op\":\"ping\"}}",
          "{'id':1,'op':'ping'}", "{\"id\":1,\"op\":\"ping\",}"}) {
        EXPECT_FALSE(malformed(text).id) << text;
    }
}

TEST(ParseRequest, RefusesJsonThatIsNotAnObject) {
    for (const std::string_view text :
         {"[]", R"([{"id":1,"op":"ping"}])", "42", R"("ping")", "null", "true"}) {
        EXPECT_FALSE(malformed(text).id) << text;
    }
}

TEST(ParseRequest, RefusesAMissingId) {
    EXPECT_FALSE(malformed(R"({"op":"ping"})").id);
    EXPECT_FALSE(malformed(R"({"id":null,"op":"ping"})").id);
}

TEST(ParseRequest, RefusesANegativeId) {
    EXPECT_FALSE(malformed(R"({"id":-1,"op":"ping"})").id);
}

TEST(ParseRequest, RefusesAFloatingPointId) {
    EXPECT_FALSE(malformed(R"({"id":1.5,"op":"ping"})").id);
    EXPECT_FALSE(malformed(R"({"id":1.0,"op":"ping"})").id);
    EXPECT_FALSE(malformed(R"({"id":1e3,"op":"ping"})").id);
    // One past UINT64_MAX can only be read as a double.
    EXPECT_FALSE(malformed(R"({"id":18446744073709551616,"op":"ping"})").id);
}

TEST(ParseRequest, RefusesANonNumericId) {
    EXPECT_FALSE(malformed(R"({"id":"1","op":"ping"})").id);
    EXPECT_FALSE(malformed(R"({"id":true,"op":"ping"})").id);
    EXPECT_FALSE(malformed(R"({"id":[1],"op":"ping"})").id);
}

TEST(ParseRequest, RefusesAMissingOpButKeepsTheUsableId) {
    const FrameError error = malformed(R"({"id":42})");
    ASSERT_TRUE(error.id);
    EXPECT_EQ(*error.id, 42U);
}

TEST(ParseRequest, RefusesANonStringOpButKeepsTheUsableId) {
    for (const std::string_view text : {R"({"id":9,"op":5})", R"({"id":9,"op":null})",
                                        R"({"id":9,"op":["ping"]})", R"({"id":9,"op":{}})"}) {
        const FrameError error = malformed(text);
        ASSERT_TRUE(error.id) << text;
        EXPECT_EQ(*error.id, 9U) << text;
    }
}

TEST(ParseRequest, AcceptsAFrameOfExactly64KiB) {
    const std::string frame = frameOfSize(kMaxFrameBytes);
    ASSERT_EQ(frame.size(), 65536U);
    EXPECT_EQ(request(frame).op, "ping");
}

TEST(ParseRequest, RefusesAFrameOneByteOver64KiBWithoutReadingItsId) {
    const FrameError error = malformed(frameOfSize(kMaxFrameBytes + 1));
    EXPECT_FALSE(error.id);
}

TEST(ParseRequest, RefusesInvalidUtf8WithoutThrowing) {
    const std::string text = "{\"id\":1,\"op\":\"ping\",\"x\":\"\xff\xfe\"}";
    std::expected<Request, FrameError> parsed;
    EXPECT_NO_THROW(parsed = parseRequest(text));
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::kMalformedFrame);
}

TEST(ParseRequest, SurvivesDeepNestingWithinTheSizeLimit) {
    const std::size_t depth = 30000;
    const std::string frame =
        R"({"id":1,"op":"ping","x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    ASSERT_LE(frame.size(), kMaxFrameBytes);
    std::expected<Request, FrameError> parsed;
    EXPECT_NO_THROW(parsed = parseRequest(frame));
    EXPECT_TRUE(parsed);
}

// STYLE 13: a frame cut at every byte offset. Each prefix is copied into its own buffer so a
// read past its end is a read past an allocation (visible under ASan).
TEST(ParseRequest, EveryPrefixOfAValidFrameIsRefusedAndOnlyTheWholeFrameParses) {
    const std::string frame =
        "{\"id\": 12345, \"op\": \"message.send\", \"channel\": \"g\\u00e9n\", "
        "\"body\": \"h\xc3\xa9llo \xf0\x9f\x98\x80 \\\"q\\\"\", "
        "\"attributes\": {\"n\": [1, -2.5e3, true, null]}, \"limit\": 7}";
    for (std::size_t length = 0; length < frame.size(); ++length) {
        const std::string prefix = frame.substr(0, length);
        std::expected<Request, FrameError> parsed;
        ASSERT_NO_THROW(parsed = parseRequest(prefix)) << "prefix of " << length << " bytes";
        ASSERT_FALSE(parsed) << "prefix of " << length << " bytes parsed: " << prefix;
        EXPECT_EQ(parsed.error().code, ErrorCode::kMalformedFrame) << length;
        EXPECT_FALSE(parsed.error().id) << length;
    }
    const Request whole = request(frame);
    EXPECT_EQ(whole.id, 12345U);
    EXPECT_EQ(whole.op, "message.send");
    EXPECT_EQ(whole.frame.at("channel"), "g\xc3\xa9n");
    EXPECT_EQ(whole.frame.at("body"), "h\xc3\xa9llo \xf0\x9f\x98\x80 \"q\"");
}

TEST(ParseRequest, EverySuffixOfAValidFrameNeverCrashes) {
    const std::string frame = R"({"id":1,"op":"channel.join","channel":"general"})";
    for (std::size_t start = 1; start <= frame.size(); ++start) {
        const std::string suffix = frame.substr(start);
        std::expected<Request, FrameError> parsed;
        ASSERT_NO_THROW(parsed = parseRequest(suffix)) << suffix;
        EXPECT_FALSE(parsed) << suffix;
    }
}

// ---- replies and events ----

TEST(OkReply, CarriesReplyToOkAndTheFields) {
    const Json reply = Json::parse(okReply(3, {{"server_time", 1700000000000}}));
    EXPECT_EQ(reply, (Json{{"reply_to", 3}, {"ok", true}, {"server_time", 1700000000000}}));
}

TEST(OkReply, WithoutFieldsCarriesOnlyReplyToAndOk) {
    EXPECT_EQ(Json::parse(okReply(0)), (Json{{"reply_to", 0}, {"ok", true}}));
}

TEST(OkReply, KeepsTheLargestIdExactly) {
    const Json reply = Json::parse(okReply(std::numeric_limits<std::uint64_t>::max()));
    EXPECT_EQ(reply.at("reply_to").get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
}

TEST(ErrorReply, CarriesTheCodeAndMessage) {
    const Json reply = Json::parse(errorReply(11, 50100, "channel not found"));
    EXPECT_EQ(reply, (Json{{"reply_to", 11},
                           {"ok", false},
                           {"error", {{"code", 50100}, {"message", "channel not found"}}}}));
}

TEST(ErrorReply, HasANullReplyToWhenTheFrameHadNoUsableId) {
    const Json reply = Json::parse(errorReply(std::nullopt, 50001, "bad frame"));
    ASSERT_TRUE(reply.contains("reply_to"));
    EXPECT_TRUE(reply.at("reply_to").is_null());
    EXPECT_EQ(reply.at("ok"), false);
    EXPECT_EQ(reply.at("error").at("code"), 50001);
}

TEST(EventFrame, CarriesTheEventNameAndTheFields) {
    const Json event =
        Json::parse(eventFrame(event::kMemberJoined, {{"channel", "CH1"}, {"identity", "alice"}}));
    EXPECT_EQ(event, (Json{{"event", "member_joined"}, {"channel", "CH1"}, {"identity", "alice"}}));
    EXPECT_FALSE(event.contains("reply_to"));
    EXPECT_EQ(Json::parse(eventFrame(event::kTokenExpired)), (Json{{"event", "token_expired"}}));
}

TEST(Replies, InvalidUtf8IsReplacedRatherThanThrown) {
    const std::string bad = "bad \xff\xc3 byte";
    std::string error_text;
    std::string ok_text;
    std::string event_text;
    EXPECT_NO_THROW(error_text = errorReply(1, 50003, bad));
    EXPECT_NO_THROW(ok_text = okReply(1, {{"body", bad}}));
    EXPECT_NO_THROW(event_text = eventFrame("message", {{"body", bad}}));
    // Each output is valid JSON (nlohmann refuses invalid UTF-8 when parsing).
    Json parsed;
    ASSERT_NO_THROW(parsed = Json::parse(error_text)) << error_text;
    EXPECT_NE(parsed.at("error").at("message").get<std::string>().find("\xef\xbf\xbd"),
              std::string::npos);
    EXPECT_NO_THROW(parsed = Json::parse(ok_text)) << ok_text;
    EXPECT_NO_THROW(parsed = Json::parse(event_text)) << event_text;
}

TEST(Replies, AFrameRoundTripsThroughParseRequest) {
    // What a client sends and what the server answers agree on the id.
    const Request parsed = request(R"({"id":77,"op":"ping"})");
    EXPECT_EQ(Json::parse(okReply(parsed.id)).at("reply_to"), 77);
}

} // namespace
} // namespace parley::protocol
