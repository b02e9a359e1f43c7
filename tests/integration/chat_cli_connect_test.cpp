// `parley chat` against a server it cannot reach: it says where it connects, and /quit does not
// wait for a connection that cannot come.

#include "chat_process.hpp"

#include <netinet/in.h>
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
    chat.write("/join general");
    chat.write("/quit");
    EXPECT_EQ(chat.waitForExit(), 0) << "/quit waited for replies that cannot come";
    for (const auto& name : chat.eventNames()) {
        EXPECT_NE(name, "commandError") << "the /join was not left waiting for the server";
    }
}

} // namespace
} // namespace parley::testing
