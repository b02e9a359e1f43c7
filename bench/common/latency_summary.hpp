#pragma once

// Percentiles of a set of latency samples, nearest rank on the sorted samples (no interpolation:
// every figure reported is a latency that was observed).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace parley::bench {

using Millis = std::chrono::duration<double, std::milli>;

struct LatencySummary {
    std::size_t count = 0;
    Millis p50{};
    Millis p99{};
    Millis max{};
};

/// Samples in whole microseconds; sorts them in place.
LatencySummary summarizeMicros(std::vector<std::uint32_t>& micros);

/// "p50 1.23 ms, p99 4.56 ms, max 7.89 ms (n = 200)".
std::string describe(const LatencySummary& summary);

/// A duration as whole microseconds for a sample, clamped to [0, UINT32_MAX] (about 71 minutes).
std::uint32_t toMicrosSample(std::chrono::nanoseconds elapsed);

} // namespace parley::bench
