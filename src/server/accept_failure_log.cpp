#include "server/accept_failure_log.hpp"

#include <spdlog/fmt/fmt.h>

namespace parley::server {

std::optional<std::string> AcceptFailureLog::failed(Clock::time_point now, std::string_view error,
                                                    std::size_t shed) {
    error_ = error;
    ++failures_;
    shed_ += shed;
    return flush(now);
}

std::optional<std::string> AcceptFailureLog::flush(Clock::time_point now) {
    if (failures_ == 0 || (last_line_ && now - *last_line_ < interval_)) {
        return std::nullopt;
    }
    std::string text = line();
    last_line_ = now;
    failures_ = 0;
    shed_ = 0;
    return text;
}

std::optional<AcceptFailureLog::Clock::time_point> AcceptFailureLog::flushDue() const {
    if (failures_ == 0) {
        return std::nullopt;
    }
    return last_line_ ? *last_line_ + interval_ : Clock::time_point{};
}

std::string AcceptFailureLog::line() const {
    return fmt::format("accept failed: {}; {} {} and {} {} shed since the last report (reported at "
                       "most every {} s)",
                       error_, failures_, failures_ == 1 ? "failure" : "failures", shed_,
                       shed_ == 1 ? "connection" : "connections",
                       std::chrono::duration_cast<std::chrono::seconds>(interval_).count());
}

} // namespace parley::server
