#include "bench_setup.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/clock.hpp>

#include <sched.h>
#include <sys/resource.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace parley::bench {

namespace {

constexpr unsigned kServerCpu = 0;
constexpr unsigned kClientCpu = 1;

std::string rateFlag(double frames_per_second) {
    return std::to_string(static_cast<long long>(frames_per_second));
}

} // namespace

std::expected<void, std::string> pinCurrentThread(unsigned cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0) {
        return std::unexpected("cannot pin to CPU " + std::to_string(cpu) + ": " +
                               std::generic_category().message(errno));
    }
    return {};
}

std::expected<std::unique_ptr<load::ServerChild>, std::string>
startBenchServer(const BenchServerOptions& options) {
    if (options.pin) {
        if (auto pinned = pinCurrentThread(kServerCpu); !pinned) {
            return std::unexpected(pinned.error());
        }
    }
    auto child = load::ServerChild::start(load::ServerChildOptions{
        .binary = options.binary,
        .key = options.key,
        // Far beyond any run, so no lifecycle event is measured along with the load.
        .about_to_expire_window = std::chrono::seconds{60},
        .threads = options.threads,
        .keep_temp_dir = options.keep_temp_dir,
        .extra_args = {"--rate-limit", rateFlag(options.frames_per_second), "--rate-burst",
                       rateFlag(options.frames_per_second)},
    });
    if (options.pin) {
        if (auto pinned = pinCurrentThread(kClientCpu); !pinned) {
            return std::unexpected(pinned.error());
        }
    }
    return child;
}

ServerOutcome stopBenchServer(load::ServerChild& child, bool run_failed) {
    const bool died = !child.running();
    const std::string status = child.stop();
    ServerOutcome outcome{.status = died ? "DIED during the run (" + status + ")"
                                         : "on SIGTERM: " + status};
    if (died || run_failed) {
        outcome.log_tail = child.logTail();
    }
    return outcome;
}

std::string mintToken(const token::ApiKey& key, const std::string& identity,
                      std::chrono::seconds ttl) {
    auto minted = token::AccessTokenBuilder{key}.identity(identity).ttl(ttl).chat({}).mint(
        token::SystemClock::instance());
    if (!minted) {
        throw std::runtime_error("minting a token for " + identity +
                                 " failed: " + minted.error().message);
    }
    return *minted;
}

} // namespace parley::bench
