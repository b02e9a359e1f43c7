// The small hardening fixes, each over the real binary: log lines client text cannot forge, a
// busy port or a misspelt config refused before a development key is made, HTTP 405 and 426 that
// say what to do, and an IPv6 listen address printed as a URL.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

std::filesystem::path freshPath(const std::string& what) {
    std::random_device random;
    return std::filesystem::temp_directory_path() /
           ("parley-edge-" + what + "-" + std::to_string(::getpid()) + "-" +
            std::to_string(random()));
}

// What `parley serve` printed when it refused to start (ServerProcess throws with it).
std::string startFailure(std::vector<std::string> args, const std::filesystem::path& data_dir,
                         std::uint16_t port = 0) {
    try {
        ServerProcess server{std::move(args), data_dir, false, port};
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    ADD_FAILURE() << "parley serve started";
    return {};
}

template <typename Predicate> bool waitUntil(Predicate predicate, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

TEST(Edge, ControlCharactersInAnIdentityCannotForgeALogLine) {
    ServerProcess server;
    const std::string forged = "2026-01-01T00:00:00.000 info connection start: identity=root";
    {
        WsTestClient client{server.port()};
        EXPECT_EQ(client.request("init", {{"token", mintToken("mallory\n" + forged, 60s)}})["ok"],
                  true);
    }
    ASSERT_TRUE(waitUntil(
        [&] {
            return server.output().find("connection end: identity=mallory") != std::string::npos;
        },
        10s))
        << server.output();
    const std::string log = server.output();
    EXPECT_EQ(log.find("\n" + forged), std::string::npos) << log;
    EXPECT_NE(log.find("connection start: identity=mallory\\n" + forged), std::string::npos) << log;
}

TEST(Edge, ABusyPortFailsBeforeADevelopmentKeyOrDatabaseIsMade) {
    asio::io_context io;
    tcp::acceptor taken{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    const std::uint16_t port = taken.local_endpoint().port();
    const auto data_dir = freshPath("busy");
    const std::string output = startFailure({}, data_dir, port);
    EXPECT_NE(output.find("error: cannot listen on 127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << output;
    EXPECT_EQ(output.find("development API key"), std::string::npos) << output;
    EXPECT_FALSE(std::filesystem::exists(data_dir / "dev-keys.toml"));
    EXPECT_FALSE(std::filesystem::exists(data_dir / "parley.db"));
    std::filesystem::remove_all(data_dir);
}

TEST(Edge, AMisspeltKeysTableIsAnErrorNotADevelopmentKey) {
    const auto config = freshPath("config").replace_extension(".toml");
    std::ofstream{config} << "# keys, misspelt\n[[key]]\naccount_sid = \"" << kTestKey.account_sid
                          << "\"\napi_key = \"" << kTestKey.sid << "\"\napi_secret = \""
                          << kTestKey.secret << "\"\n";
    const auto data_dir = freshPath("config-data");
    const std::string output = startFailure({"--config", config.string()}, data_dir);
    EXPECT_NE(output.find("error: " + config.string() + ": unknown key \"key\" at line 2"),
              std::string::npos)
        << output;
    EXPECT_EQ(output.find("development API key"), std::string::npos) << output;
    EXPECT_FALSE(std::filesystem::exists(data_dir / "dev-keys.toml"));
    std::filesystem::remove(config);
    std::filesystem::remove_all(data_dir);
}

http::response<http::string_body> exchange(std::uint16_t port, http::verb method,
                                           const std::string& target) {
    asio::io_context io;
    boost::beast::tcp_stream stream{io};
    stream.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.prepare_payload();
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return response;
}

TEST(Edge, A405SaysWhichMethodsAreAllowedAndA426WhatToUpgradeTo) {
    ServerProcess server;
    const auto not_allowed = exchange(server.port(), http::verb::post, "/healthz");
    EXPECT_EQ(not_allowed.result_int(), 405);
    EXPECT_EQ(not_allowed[http::field::allow], "GET, HEAD");
    const auto upgrade = exchange(server.port(), http::verb::get, "/v1/ws");
    EXPECT_EQ(upgrade.result_int(), 426);
    EXPECT_EQ(upgrade[http::field::upgrade], "websocket");
    EXPECT_NE(upgrade[http::field::connection].find("Upgrade"), std::string::npos);
}

bool ipv6LoopbackAvailable() {
    asio::io_context io;
    boost::system::error_code error;
    tcp::acceptor probe{io};
    probe.open(tcp::v6(), error);
    if (!error) {
        probe.bind(tcp::endpoint{asio::ip::make_address("::1"), 0}, error);
    }
    return !error;
}

TEST(Edge, AnIpv6ListenAddressIsPrintedInBrackets) {
    if (!ipv6LoopbackAvailable()) {
        GTEST_SKIP() << "no IPv6 loopback here";
    }
    const auto log = freshPath("ipv6").replace_extension(".log");
    const auto data_dir = freshPath("ipv6-data");
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        const std::string binary = parleyBinary();
        ::execl(binary.c_str(), binary.c_str(), "serve", "--listen", "[::1]:0", "--data",
                data_dir.c_str(), "--threads", "1", nullptr);
        ::_exit(127);
    }
    const auto read = [&] {
        std::ifstream in{log};
        return std::string{std::istreambuf_iterator<char>{in}, {}};
    };
    const bool started =
        waitUntil([&] { return read().find("parley serving on") != std::string::npos; }, 10s);
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    const std::string output = read();
    ASSERT_TRUE(started) << output;
    EXPECT_NE(output.find("chat --url ws://[::1]:"), std::string::npos) << output;
    EXPECT_NE(output.find("Health: http://[::1]:"), std::string::npos) << output;
    EXPECT_NE(output.find("parley serving on ws://[::1]:"), std::string::npos) << output;
    EXPECT_EQ(output.find("//::1"), std::string::npos) << output;
    std::filesystem::remove(log);
    std::filesystem::remove_all(data_dir);
}

} // namespace
} // namespace parley::testing
