#pragma once

// A Scheduler for tests, under the lifecycle library's name (it lives in the token library).

#include <parley/lifecycle/scheduler.hpp>
#include <parley/token/manual_scheduler.hpp>

namespace parley::lifecycle {

using token::ManualScheduler;

} // namespace parley::lifecycle
