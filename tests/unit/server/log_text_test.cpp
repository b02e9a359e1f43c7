#include "server/log_text.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>

namespace parley::server {
namespace {

TEST(EscapeForLog, KeepsPrintableTextAndUtf8) {
    EXPECT_EQ(escapeForLog("alice"), "alice");
    EXPECT_EQ(escapeForLog("zoë 東京 🙂 a=b \"q\""), "zoë 東京 🙂 a=b \"q\"");
    EXPECT_EQ(escapeForLog(""), "");
}

TEST(EscapeForLog, EscapesLineBreaksControlsAndTheBackslash) {
    EXPECT_EQ(escapeForLog("a\nb\rc\td"), "a\\nb\\rc\\td");
    EXPECT_EQ(escapeForLog(std::string{"nul\0x", 5}), "nul\\x00x");
    EXPECT_EQ(escapeForLog("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
    EXPECT_EQ(escapeForLog("back\\slash\\n"), "back\\\\slash\\\\n");
    for (int byte = 0; byte < 0x20; ++byte) {
        const std::string escaped = escapeForLog(std::string(1, static_cast<char>(byte)));
        EXPECT_EQ(escaped.find_first_of(std::string{"\n\r"}), std::string::npos) << byte;
        EXPECT_EQ(escaped.front(), '\\') << byte;
    }
}

TEST(EscapeForLog, EscapesUnicodeLineBreakersAndC1Controls) {
    EXPECT_EQ(escapeForLog("a\u0085b"), "a\\u0085b");
    EXPECT_EQ(escapeForLog("a\u2028b\u2029c"), "a\\u2028b\\u2029c");
    EXPECT_EQ(escapeForLog("\xc2\x9b"), "\\u009b");
    // A lead byte cut off at the end is left as it is.
    EXPECT_EQ(escapeForLog("a\xe2\x80"), "a\xe2\x80");
}

TEST(ServerLogFormat, WritesOneLineForAMessageWithANewline) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
    useServerLogFormat();
    spdlog::info("connection end: identity={} reason={}",
                 "x reason=shutdown\n2026-01-01T00:00:00.000 info connection start: identity=root",
                 "client_closed");
    spdlog::set_default_logger(previous);
    const std::string text = out.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_NE(text.find(" info connection end: identity=x reason=shutdown\\n2026-"),
              std::string::npos)
        << text;
}

} // namespace
} // namespace parley::server
