// `parley chat` against a server it cannot reach: it says where it connects and why each attempt
// failed (refused, an HTTP status), /quit does not wait for a connection that cannot come (and
// says, with exit status 3, what it did not send), and the end of input waits for the first
// connection's outcome.

#include "chat_process.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

namespace parley::testing {
namespace {

// A loopback port nothing listens on (taken, then released).
std::uint16_t closedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot take a port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

TEST(ChatCliConnect, AWrongPortSaysWhereItConnectsAndAPipedQuitDoesNotWait) {
    const std::string url = "ws://127.0.0.1:" + std::to_string(closedPort()) + "/v1/ws";
    ChatProcess chat{{"--url", url, "--token", mintToken("alice", 600s), "--events-json"}};
    const auto connecting = chat.waitForEvent("connecting");
    ASSERT_TRUE(connecting);
    EXPECT_EQ((*connecting)["url"], url);
    const auto refused = chat.waitForEvent("connectionError");
    ASSERT_TRUE(refused) << "the failed attempt was not shown";
    EXPECT_EQ((*refused)["cause"], "refused");
    EXPECT_EQ((*refused)["attempt"], 1);
    EXPECT_EQ((*refused)["will_retry"], true);
    chat.write("/join general");
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 3) << "/quit waited for replies that cannot come, or left the "
                                        "/join unsent with status 0";
    EXPECT_FALSE(chat.sawEvent("commandError")) << "the /join was not left waiting for the server";
}

TEST(ChatCliConnect, EmptyInputAgainstNoServerEndsWithStatus3) {
    const std::string url = "ws://127.0.0.1:" + std::to_string(closedPort()) + "/v1/ws";
    ChatProcess chat{{"--url", url, "--token", mintToken("alice", 600s), "--events-json"}};
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 3) << "left with status 0 though the server was never reached";
    EXPECT_TRUE(chat.sawEvent("connectionError")) << "left before the first attempt had failed";
}

// `parley chat --url ws://host:8080/ws < /dev/null`: the refusal that made it leave is printed,
// not cut off by the leaving (nothing is printed once the user has left).
TEST(ChatCliConnect, EmptyInputAgainstAWrongPathSaysWhyBeforeLeaving) {
    ServerProcess server;
    const std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/ws";
    ChatProcess chat{{"--url", url, "--token", mintToken("alice", 600s), "--events-json"}};
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 3);
    const auto failed = chat.waitForEvent("connectionError", 0s);
    ASSERT_TRUE(failed) << "left without saying why the server was not reached";
    EXPECT_EQ((*failed)["http_status"], 404);
}

TEST(ChatCliConnect, EmptyInputLeavesOnceConnected) {
    ServerProcess server;
    ChatProcess chat{{"--url", urlOf(server), "--token", mintToken("alice", 600s), "--events-json",
                      "--no-state-file"}};
    chat.closeInput();
    EXPECT_EQ(chat.waitForExit(), 0);
    EXPECT_TRUE(chat.sawEvent("connected"))
        << "left at the end of input before the connection was made";
}

TEST(ChatCliConnect, SeveralUrlsMoveOnFromARefusedOneAndNameIt) {
    ServerProcess server;
    const std::string refused = "ws://127.0.0.1:" + std::to_string(closedPort()) + "/v1/ws";
    ChatProcess chat{{"--url", refused, "--url", urlOf(server), "--token", mintToken("alice", 600s),
                      "--events-json", "--no-state-file"}};
    const auto connecting = chat.waitForEvent("connecting");
    ASSERT_TRUE(connecting);
    EXPECT_EQ((*connecting)["urls"], (ChatProcess::Json{refused, urlOf(server)}));
    const auto failed = chat.waitForEvent("connectionError");
    ASSERT_TRUE(failed);
    EXPECT_EQ((*failed)["url"], refused) << "the line names the URL that failed";
    EXPECT_EQ((*failed)["cause"], "refused");
    EXPECT_EQ((*failed)["retry_in_ms"], 0) << "the next URL is tried at once";
    ASSERT_TRUE(chat.waitForEvent("connected")) << "never reached the second URL";
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 0);
}

TEST(ChatCliConnect, ABadUrlAmongSeveralIsAUsageError) {
    ChatProcess chat{{"--url", "ws://127.0.0.1:1/v1/ws", "--url", "http://bad.test/v1/ws",
                      "--token", mintToken("alice", 600s)}};
    EXPECT_EQ(chat.waitForExit(), 2);
}

TEST(ChatCliConnect, AWrongPathShowsTheHttpStatus) {
    ServerProcess server;
    const std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/nowhere";
    ChatProcess chat{{"--url", url, "--token", mintToken("alice", 600s), "--events-json"}};
    const auto failed = chat.waitForEvent("connectionError");
    ASSERT_TRUE(failed);
    EXPECT_EQ((*failed)["cause"], "http_status");
    EXPECT_EQ((*failed)["http_status"], 404);
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 3) << "never reached a chat server, so not status 0";
}

TEST(ChatCliConnect, AnIpv6LiteralUrlIsUsed) {
    const int listener = ::socket(AF_INET6, SOCK_STREAM, 0);
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string url = "ws://[::1]:" + std::to_string(ntohs(address.sin6_port)) + "/v1/ws";
    ChatProcess chat{{"--url", url, "--token", mintToken("alice", 600s), "--events-json"}};
    pollfd ready{.fd = listener, .events = POLLIN, .revents = 0};
    EXPECT_EQ(::poll(&ready, 1, 10'000), 1) << "parley chat never connected to [::1]";
    chat.write("/quit"); // waits for the attempt's outcome: the close below fails it
    ::close(::accept(listener, nullptr, nullptr));
    ::close(listener);
    EXPECT_EQ(chat.waitForExit(), 3) << "the URL was refused (exit 2) or /quit waited";
}

TEST(ChatCliConnect, QuitRightAfterStartingLeavesOnceConnected) {
    // A piped /quit waits for the first connection (ClientConnect.ShutdownRightAfterCreate...
    // covers leaving while it still resolves), and leaving right after it never hangs.
    ServerProcess server;
    for (int run = 0; run < 30; ++run) {
        ChatProcess chat{{"--url", urlOf(server), "--token", mintToken("alice", 600s),
                          "--events-json", "--no-state-file"}};
        chat.write("/help");
        chat.write("/quit");
        ASSERT_EQ(chat.waitForExit(), 0) << "run " << run;
    }
}

} // namespace
} // namespace parley::testing
