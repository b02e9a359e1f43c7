// Out of file descriptors: the listener must back off, not spin. The server's descriptor limit is
// lowered (prlimit) to a few more than it holds, idle TCP connections use up the rest, and more
// keep arriving. Before the fix a pending connection made accept fail at once, forever: a core at
// 100 % and a log line per failure.

#include "server_process.hpp"
#include "wait_until.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

// CPU time the process has used (user + system), from /proc/PID/stat.
std::chrono::duration<double> cpuTime(pid_t pid) {
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string text{std::istreambuf_iterator<char>{in}, {}};
    // Fields after the command name (which may hold spaces), from field 3 on; utime and stime are
    // fields 14 and 15.
    std::istringstream fields{text.substr(text.rfind(')') + 2)};
    std::string field;
    unsigned long long ticks = 0;
    for (int number = 3; number <= 15 && fields >> field; ++number) {
        if (number >= 14) {
            ticks += std::stoull(field);
        }
    }
    return std::chrono::duration<double>{static_cast<double>(ticks) /
                                         static_cast<double>(::sysconf(_SC_CLK_TCK))};
}

std::size_t openDescriptors(pid_t pid) {
    const auto dir = std::filesystem::directory_iterator{"/proc/" + std::to_string(pid) + "/fd"};
    return static_cast<std::size_t>(std::distance(dir, {}));
}

std::size_t countLines(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

// The server's process id: the process whose command line names its (unique) data directory.
pid_t serverPid(const ServerProcess& server) {
    for (const auto& entry : std::filesystem::directory_iterator{"/proc"}) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream in{entry.path() / "cmdline"};
        const std::string command_line{std::istreambuf_iterator<char>{in}, {}};
        if (command_line.find(std::string{"serve"} + '\0') != std::string::npos &&
            command_line.find(server.dataDir().string() + '\0') != std::string::npos) {
            return static_cast<pid_t>(std::stoi(name));
        }
    }
    return -1;
}

double metric(const std::string& page, const std::string& name) {
    const auto at = page.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(page.substr(at + name.size() + 2));
}

// Whether the server closed `socket` (end of stream or reset) within `timeout`.
bool closedByPeer(tcp::socket& socket, std::chrono::milliseconds timeout) {
    pollfd entry{.fd = socket.native_handle(), .events = POLLIN, .revents = 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) != 1) {
        return false;
    }
    char byte = 0;
    return ::recv(socket.native_handle(), &byte, 1, 0) <= 0;
}

// Lowers the server's descriptor limit to what it holds now plus `spare`.
void limitDescriptors(pid_t pid, std::size_t spare) {
    rlimit limit{};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &limit), 0);
    limit.rlim_cur = openDescriptors(pid) + spare;
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &limit, nullptr), 0);
}

// Closes the idle connections, then waits until the server answers HTTP again.
bool servesAgainAfterClosing(std::vector<tcp::socket>& idle, const ServerProcess& server) {
    for (tcp::socket& socket : idle) {
        boost::system::error_code ignored;
        socket.close(ignored);
    }
    return waitUntil(
        [&] {
            try {
                return server.get("/healthz").status == 200;
            } catch (const std::exception&) {
                return false; // shed while the server frees the idle connections' descriptors
            }
        },
        10s);
}

// Each connection from `first` on is closed by the server (shed), none left in the backlog.
void expectAllClosedByPeer(std::vector<tcp::socket>& sockets, std::size_t first) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (std::size_t i = first; i < sockets.size(); ++i) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        EXPECT_TRUE(closedByPeer(sockets[i], std::max(left, 0ms))) << "newcomer " << i;
    }
}

TEST(Descriptors, OutOfDescriptorsTheServerShedsNewcomersWithoutSpinningAndServesAgain) {
    ServerProcess server;
    const pid_t pid = serverPid(server);
    ASSERT_GT(pid, 0);
    limitDescriptors(pid, 8); // room for a few connections

    asio::io_context io;
    // Idle connections use up the rest; the failure is logged once they do.
    const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), server.port()};
    std::vector<tcp::socket> idle;
    const auto connectOne = [&] { idle.emplace_back(io).connect(endpoint); };
    for (int i = 0; i < 24; ++i) {
        connectOne();
    }
    ASSERT_TRUE(
        waitUntil([&] { return server.output().find("accept failed") != std::string::npos; }, 10s))
        << server.output();

    // Newcomers keep arriving while the server is full, paced over about a second: the interval
    // the server's CPU share is measured over.
    const auto cpu_before = cpuTime(pid);
    const auto started = std::chrono::steady_clock::now();
    const std::size_t first_newcomer = idle.size();
    for (int i = 0; i < 20; ++i) {
        connectOne();
        std::this_thread::sleep_for(50ms);
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    const auto cpu = cpuTime(pid) - cpu_before;
    EXPECT_LT(cpu.count(), 0.3 * elapsed.count())
        << "the server used " << cpu.count() << " s of CPU in " << elapsed.count() << " s";
    expectAllClosedByPeer(idle, first_newcomer);
    const std::string log = server.output();
    EXPECT_LE(countLines(log, "accept failed"), 2U) << log.substr(0, 4096);
    EXPECT_LT(log.size(), 8192U) << log.substr(0, 4096);

    ASSERT_TRUE(servesAgainAfterClosing(idle, server)) << server.output().substr(0, 4096);
    const std::string page = server.get("/metrics").body;
    EXPECT_GE(metric(page, "parley_accept_failures_total"), 1) << page;
    EXPECT_GE(metric(page, "parley_connections_shed_total"), 20) << page;
}

} // namespace
} // namespace parley::testing
