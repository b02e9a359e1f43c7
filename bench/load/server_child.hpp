#pragma once

// The server under load: either a `parley serve` child this program forks (fresh temporary data
// directory, its own API key, loopback listen address) or a process it is pointed at by pid.
// Both are read the same way through /proc, so the report can compare its CPU and memory with the
// load generator's own.

#include <parley/token/api_key.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley::load {

/// CPU time and resident memory of one process, from /proc/<pid>/{stat,status}.
class ProcessProbe {
public:
    explicit ProcessProbe(pid_t pid) : pid_(pid) {}

    pid_t pid() const { return pid_; }
    /// utime + stime of every thread; nullopt once the process is gone. Resolution 1/CLK_TCK.
    std::optional<std::chrono::duration<double>> cpuTime() const;
    /// VmRSS in KiB; nullopt once the process is gone.
    std::optional<std::int64_t> residentKib() const;
    /// VmHWM (peak resident) in KiB.
    std::optional<std::int64_t> peakResidentKib() const;
    /// Time its threads were runnable but waiting for a CPU (/proc/<pid>/task/*/schedstat): how
    /// much other processes on the machine held it back.
    std::optional<std::chrono::duration<double>> runQueueWait() const;

private:
    std::optional<std::int64_t> statusField(const char* name) const;

    pid_t pid_;
};

/// This process's own CPU time (getrusage, all threads).
std::chrono::duration<double> selfCpuTime();

/// The 1-minute load average of the machine (/proc/loadavg).
double loadAverage();

struct ServerChildOptions {
    std::filesystem::path binary;
    token::ApiKey key;
    /// Seconds before exp that the server sends token_about_to_expire.
    std::chrono::seconds about_to_expire_window{5};
    /// One io thread by default so one core is the server's and the other the load generator's.
    unsigned threads = 1;
    /// Far above one per identity, so the identity limit never refuses a load connection.
    std::size_t max_connections_per_identity = 1000000;
    /// `warn` by default: at `info` the server logs two lines per connection, which would be
    /// measured along with the lifecycle work.
    std::string log_level = "warn";
    /// Kept after the run when set, for reading the server log.
    bool keep_temp_dir = false;
    /// More `parley serve` flags, appended after the ones above (e.g. `--rate-limit`, `1000`).
    std::vector<std::string> extra_args;
};

/// A `parley serve --listen 127.0.0.1:0` child with a fresh temporary directory. It dies with this
/// process (PR_SET_PDEATHSIG), and the destructor stops it and removes the directory.
class ServerChild {
public:
    static std::expected<std::unique_ptr<ServerChild>, std::string>
    start(const ServerChildOptions& options);
    ~ServerChild();
    ServerChild(const ServerChild&) = delete;
    ServerChild& operator=(const ServerChild&) = delete;

    pid_t pid() const { return pid_; }
    std::uint16_t port() const { return port_; }
    const std::filesystem::path& tempDir() const { return temp_dir_; }

    /// True while the child runs; once it has exited, `exitDescription()` says how.
    bool running();
    /// "exit 0", "signal 11 (Segmentation fault)", or "running".
    std::string exitDescription() const;
    /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit description.
    std::string stop(std::chrono::milliseconds grace = std::chrono::seconds{10});
    /// The last `max_lines` lines the server printed.
    std::string logTail(std::size_t max_lines = 20) const;

private:
    ServerChild() = default;

    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::optional<int> wait_status_;
    std::filesystem::path temp_dir_;
    std::filesystem::path log_file_;
    bool keep_temp_dir_ = false;
};

/// A random throwaway key: `SK`/`AC` + 32 hex digits and a 32-character secret.
token::ApiKey randomApiKey();

/// Raises the soft RLIMIT_NOFILE to the hard limit, which must leave room for `connections`
/// loopback connections (each side holds one descriptor, in its own process) and some spare. A
/// server forked afterwards inherits the limit.
std::expected<void, std::string> raiseDescriptorLimit(std::size_t connections);

} // namespace parley::load
