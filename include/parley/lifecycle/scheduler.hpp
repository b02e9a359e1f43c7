#pragma once

// The Scheduler lives with the Clock in the token library (server and client both take one);
// the lifecycle library keeps its own name for it.

#include <parley/token/scheduler.hpp>

namespace parley::lifecycle {

using token::Clock;
using token::Scheduler;
using token::TimePoint;

} // namespace parley::lifecycle
