#pragma once

// Human-readable times for CLI output.

#include <parley/token/clock.hpp>

#include <chrono>
#include <string>

namespace parley::cli {

/// "2026-11-29T08:00:00Z".
std::string isoUtc(token::UnixSeconds time);

/// "1h02m03s", "4m00s", "12s"; negative durations get a leading '-'.
std::string durationText(std::chrono::seconds duration);

} // namespace parley::cli
