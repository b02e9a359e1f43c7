#include "latency_summary.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

namespace parley::bench {

namespace {

Millis micros(std::uint32_t value) {
    return Millis{static_cast<double>(value) / 1000.0};
}

/// Nearest rank: the smallest sample with at least `fraction` of the samples at or below it.
std::uint32_t rank(const std::vector<std::uint32_t>& sorted, double fraction) {
    const auto count = static_cast<double>(sorted.size());
    const auto index = static_cast<std::size_t>(std::max(1.0, std::ceil(fraction * count))) - 1;
    return sorted[std::min(index, sorted.size() - 1)];
}

} // namespace

LatencySummary summarizeMicros(std::vector<std::uint32_t>& samples) {
    LatencySummary summary{.count = samples.size()};
    if (samples.empty()) {
        return summary;
    }
    std::sort(samples.begin(), samples.end());
    summary.p50 = micros(rank(samples, 0.50));
    summary.p99 = micros(rank(samples, 0.99));
    summary.max = micros(samples.back());
    return summary;
}

std::string describe(const LatencySummary& summary) {
    if (summary.count == 0) {
        return "no samples";
    }
    std::array<char, 128> text{};
    std::snprintf(text.data(), text.size(), "p50 %.3f ms, p99 %.3f ms, max %.3f ms (n = %zu)",
                  summary.p50.count(), summary.p99.count(), summary.max.count(), summary.count);
    return text.data();
}

std::uint32_t toMicrosSample(std::chrono::nanoseconds elapsed) {
    const auto value = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    return static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(value, 0, std::numeric_limits<std::uint32_t>::max()));
}

} // namespace parley::bench
