#include "cli/time_text.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace parley::cli {

std::string isoUtc(token::UnixSeconds time) {
    const std::time_t seconds = time.time_since_epoch().count();
    std::tm parts{};
    if (gmtime_r(&seconds, &parts) == nullptr) {
        return std::to_string(seconds);
    }
    std::array<char, 32> text{};
    const std::size_t size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return {text.data(), size};
}

std::string durationText(std::chrono::seconds duration) {
    const bool negative = duration.count() < 0;
    const long long total = negative ? -duration.count() : duration.count();
    const long long hours = total / 3600;
    const long long minutes = total % 3600 / 60;
    const long long seconds = total % 60;
    std::array<char, 48> text{};
    int size = 0;
    if (hours > 0) {
        size = std::snprintf(text.data(), text.size(), "%s%lldh%02lldm%02llds", negative ? "-" : "",
                             hours, minutes, seconds);
    } else if (minutes > 0) {
        size = std::snprintf(text.data(), text.size(), "%s%lldm%02llds", negative ? "-" : "",
                             minutes, seconds);
    } else {
        size = std::snprintf(text.data(), text.size(), "%s%llds", negative ? "-" : "", seconds);
    }
    return {text.data(), static_cast<std::size_t>(size)};
}

} // namespace parley::cli
