#pragma once

// The scheduling slice of an io thread. Store workers run long CPU bursts (a 1 MiB history page
// is read and serialized in 2-5 ms), and on a busy core the kernel let such a burst finish its
// slice before a woken io thread ran: `perf sched timehist` showed io threads waiting up to 4 ms
// for the core behind a worker, and every frame of every connection on that thread waited with
// them. Linux's EEVDF scheduler (6.6+; per-task slices since 6.12) takes a task's requested
// runtime as its slice: an io thread that asks for a short one gets an earlier deadline when it
// wakes, and preempts the worker at once. The io thread's own bursts are short, so the short
// slice costs it nothing. No privilege is needed; older kernels ignore the request.

#include <chrono>
#include <optional>

namespace parley::server {

/// The slice the io threads ask for.
inline constexpr std::chrono::microseconds kIoThreadSlice{100};

/// Asks the kernel to schedule the calling thread with `slice`. False when the kernel refused
/// (the thread keeps the default slice); the server runs either way.
bool requestSchedulingSlice(std::chrono::microseconds slice);

/// The slice the kernel holds for the calling thread, when it says (Linux 6.12+).
std::optional<std::chrono::microseconds> schedulingSlice();

} // namespace parley::server
