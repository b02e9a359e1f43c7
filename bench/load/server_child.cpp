#include "server_child.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace parley::load {

namespace {

std::string readFile(const std::filesystem::path& file) {
    std::ifstream in{file};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string describeWaitStatus(int status) {
    if (WIFEXITED(status)) {
        return "exit " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        // sigdescr_np, unlike strsignal, is thread-safe.
        const char* name = ::sigdescr_np(WTERMSIG(status));
        return "signal " + std::to_string(WTERMSIG(status)) + " (" +
               (name != nullptr ? name : "unknown") + ")";
    }
    return "status " + std::to_string(status);
}

std::string randomHex(std::size_t digits) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::random_device random;
    std::string out;
    out.reserve(digits);
    for (std::size_t i = 0; i < digits; ++i) {
        out.push_back(kHex[random() % kHex.size()]);
    }
    return out;
}

// Runs in the forked child: only async-signal-safe calls until execv (the parent may have other
// threads' locks held), so argv is built before the fork.
[[noreturn]] void execServer(char* const* argv, const char* log) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = ::open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv);
    ::_exit(127);
}

} // namespace

std::optional<std::chrono::duration<double>> ProcessProbe::cpuTime() const {
    std::ifstream in{"/proc/" + std::to_string(pid_) + "/stat"};
    std::string text;
    if (!std::getline(in, text)) {
        return std::nullopt;
    }
    // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields{text.substr(close + 2)};
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    // Fields 3..13 precede utime (14) and stime (15).
    for (int index = 3; index <= 15 && fields >> field; ++index) {
        if (index == 14) {
            utime = std::stoull(field);
        } else if (index == 15) {
            stime = std::stoull(field);
        }
    }
    const auto ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return std::chrono::duration<double>{static_cast<double>(utime + stime) / ticks_per_second};
}

std::optional<std::int64_t> ProcessProbe::statusField(const char* name) const {
    std::ifstream in{"/proc/" + std::to_string(pid_) + "/status"};
    std::string line;
    const std::string prefix = std::string{name} + ":";
    while (std::getline(in, line)) {
        if (line.starts_with(prefix)) {
            return std::stoll(line.substr(prefix.size()));
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> ProcessProbe::residentKib() const {
    return statusField("VmRSS");
}

std::optional<std::int64_t> ProcessProbe::peakResidentKib() const {
    return statusField("VmHWM");
}

std::optional<std::chrono::duration<double>> ProcessProbe::runQueueWait() const {
    std::error_code error;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid_) + "/task";
    std::uint64_t waited_ns = 0;
    bool any = false;
    for (const auto& task : std::filesystem::directory_iterator{tasks, error}) {
        std::ifstream in{task.path() / "schedstat"};
        std::uint64_t on_cpu_ns = 0;
        std::uint64_t task_waited_ns = 0;
        if (in >> on_cpu_ns >> task_waited_ns) {
            waited_ns += task_waited_ns;
            any = true;
        }
    }
    if (error || !any) {
        return std::nullopt;
    }
    return std::chrono::duration<double>{static_cast<double>(waited_ns) / 1e9};
}

double loadAverage() {
    std::ifstream in{"/proc/loadavg"};
    double one_minute = 0;
    in >> one_minute;
    return one_minute;
}

std::chrono::duration<double> selfCpuTime() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& time) {
        return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
    };
    return std::chrono::duration<double>{seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

token::ApiKey randomApiKey() {
    return token::ApiKey{
        .sid = "SK" + randomHex(32),
        .account_sid = "AC" + randomHex(32),
        .secret = randomHex(32),
    };
}

std::expected<std::unique_ptr<ServerChild>, std::string>
ServerChild::start(const ServerChildOptions& options) {
    std::unique_ptr<ServerChild> child{new ServerChild()};
    std::string pattern = (std::filesystem::temp_directory_path() / "parley-load-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        return std::unexpected("mkdtemp failed: " + std::generic_category().message(errno));
    }
    child->temp_dir_ = pattern;
    child->keep_temp_dir_ = options.keep_temp_dir;
    child->log_file_ = child->temp_dir_ / "server.log";
    std::vector<std::string> args = {
        options.binary.string(),
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data",
        (child->temp_dir_ / "data").string(),
        "--account-sid",
        options.key.account_sid,
        "--api-key",
        options.key.sid,
        "--api-secret",
        options.key.secret,
        "--threads",
        std::to_string(options.threads),
        "--about-to-expire-window",
        std::to_string(options.about_to_expire_window.count()),
        "--max-connections-per-identity",
        std::to_string(options.max_connections_per_identity),
        "--log-level",
        options.log_level,
    };
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const std::string log_path = child->log_file_.string();
    child->pid_ = ::fork();
    if (child->pid_ < 0) {
        return std::unexpected("fork failed: " + std::generic_category().message(errno));
    }
    if (child->pid_ == 0) {
        execServer(argv.data(), log_path.c_str());
    }
    // The server prints "Health: http://127.0.0.1:PORT/healthz" once it listens.
    const std::string marker = "Health: http://127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string text = readFile(child->log_file_);
        const auto at = text.find(marker);
        if (at != std::string::npos && text.find("/healthz", at) != std::string::npos) {
            child->port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + marker.size())));
            return child;
        }
        if (!child->running()) {
            return std::unexpected("parley serve exited at start (" + child->exitDescription() +
                                   "): " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    return std::unexpected("parley serve did not report its port in 10 s: " +
                           readFile(child->log_file_));
}

ServerChild::~ServerChild() {
    stop(std::chrono::seconds{5});
    if (!keep_temp_dir_ && !temp_dir_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(temp_dir_, ignored);
    }
}

bool ServerChild::running() {
    if (pid_ <= 0 || wait_status_) {
        return false;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        wait_status_ = status;
        return false;
    }
    return true;
}

std::string ServerChild::exitDescription() const {
    return wait_status_ ? describeWaitStatus(*wait_status_) : "running";
}

std::string ServerChild::stop(std::chrono::milliseconds grace) {
    if (!running()) {
        return exitDescription();
    }
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            wait_status_ = status;
            return exitDescription() + " (after SIGKILL: SIGTERM not honoured in time)";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return exitDescription();
}

std::string ServerChild::logTail(std::size_t max_lines) const {
    std::istringstream in{readFile(log_file_)};
    std::deque<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
        if (lines.size() > max_lines) {
            lines.pop_front();
        }
    }
    std::string out;
    for (const std::string& kept : lines) {
        out += kept + "\n";
    }
    return out;
}

std::expected<void, std::string> raiseDescriptorLimit(std::size_t connections) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    const rlim_t needed = static_cast<rlim_t>(connections) + 128;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
        return std::unexpected("need " + std::to_string(needed) +
                               " file descriptors but the hard limit (ulimit -Hn) is " +
                               std::to_string(limit.rlim_max));
    }
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return std::unexpected("setrlimit(RLIMIT_NOFILE) failed");
    }
    return {};
}

} // namespace parley::load
