#include "cluster_process.hpp"

#include "wait_until.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace parley::testing {

namespace {

using namespace std::chrono_literals;

std::string readText(const std::filesystem::path& file) {
    std::ifstream in{file};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::filesystem::path scriptPath() {
    return std::filesystem::path{PARLEY_SOURCE_DIR} / "scripts" / "cluster";
}

// In the child: stdin from the control pipe, output to `log`, the test key in the environment
// (so every node uses it), and SIGTERM when the test ends however it ends.
[[noreturn]] void runScript(std::vector<std::string> args, int control_read,
                            const std::filesystem::path& log) {
    ::dup2(control_read, STDIN_FILENO);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::setenv("PARLEY_ACCOUNT_SID", kTestKey.account_sid.c_str(), 1);
    ::setenv("PARLEY_API_KEY", kTestKey.sid.c_str(), 1);
    ::setenv("PARLEY_API_SECRET", kTestKey.secret.c_str(), 1);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::vector<char*> argv;
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
}

} // namespace

ClusterProcess::ClusterProcess(std::vector<std::string> serve_args) {
    top_ = freshDirectory();
    dir_ = top_ / "cluster";
    std::vector<std::string> args = {
        scriptPath().string(), "--dir",     dir_.string(), "--port", "0", "--parley",
        parleyBinary(),        "--control", "--"};
    args.insert(args.end(), serve_args.begin(), serve_args.end());
    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_ = ::fork();
    if (pid_ == 0) {
        runScript(std::move(args), pipe_fds[0], top_ / "cluster.log");
    }
    ::close(pipe_fds[0]);
    control_fd_ = pipe_fds[1];
    bool exited = false;
    waitUntil(
        [&] {
            int status = 0;
            exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
            return exited || !readDescription().is_null();
        },
        120s);
    description_ = readDescription();
    if (exited) {
        pid_ = -1;
    }
    if (exited || description_.is_null()) {
        const std::string log = output();
        stop();
        throw std::runtime_error("scripts/cluster did not start:\n" + log);
    }
}

ClusterProcess::~ClusterProcess() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(top_, ignored);
}

nlohmann::json ClusterProcess::readDescription() const {
    // The script renames the file into place whole: any file there parses.
    const std::string text = readText(dir_ / "cluster.json");
    return text.empty() ? nlohmann::json{} : nlohmann::json::parse(text, nullptr, false);
}

std::uint16_t ClusterProcess::nodePort(int node) const {
    return description_.at("nodes").at(nodeName(node)).at("port").get<std::uint16_t>();
}

std::uint16_t ClusterProcess::frontPort() const {
    return description_.at("front").at("port").get<std::uint16_t>();
}

std::string ClusterProcess::url(std::uint16_t port) {
    return "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
}

void ClusterProcess::control(const std::string& command) {
    const std::string line = command + "\n";
    if (::write(control_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        throw std::runtime_error("cannot write to scripts/cluster");
    }
    ++commands_;
    std::string last;
    const bool done = waitUntil(
        [&] {
            std::istringstream lines{readText(dir_ / "control.log")};
            int count = 0;
            for (std::string each; std::getline(lines, each); ++count) {
                last = each;
            }
            return count >= commands_;
        },
        90s);
    if (!done || last != "done " + command) {
        throw std::runtime_error("scripts/cluster: " + command + ": " + last + "\n" + output());
    }
    description_ = readDescription();
}

int ClusterProcess::stop(std::chrono::seconds timeout) {
    if (pid_ <= 0) {
        return -1;
    }
    ::close(control_fd_);
    ::kill(pid_, SIGTERM);
    int status = 0;
    const bool ended =
        waitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!ended) {
        ::kill(pid_, SIGKILL); // its children get SIGTERM then (their parent-death signal)
        ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<pid_t> ClusterProcess::servicePids() const {
    std::vector<pid_t> pids;
    for (const auto& node : description_.at("nodes")) {
        pids.push_back(node.at("pid").get<pid_t>());
    }
    for (const char* service : {"postgres", "redis", "haproxy"}) {
        pids.push_back(description_.at(service).at("pid").get<pid_t>());
    }
    return pids;
}

std::string ClusterProcess::output() const {
    return readText(top_ / "cluster.log");
}

} // namespace parley::testing
