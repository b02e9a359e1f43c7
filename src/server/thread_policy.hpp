#pragma once

// How the server's own threads are scheduled. The io threads answer clients and run the token
// timers; the store workers and the broker's delivery thread do work handed to them in queues.
// When one of those wakes with a queue of one item, it should not take the core from an io thread
// in the middle of a pass: let the pass finish, and the queue holds the whole pass's work. With
// every thread on one core (a pinned server, a small container), a store worker that preempted the
// io thread at the first message.send committed about five messages per transaction; left to
// wait for the end of the pass, about thirty-five, and the server delivered 35-40 % more.

namespace parley::server {

/// Marks the calling thread as background work: Linux's SCHED_BATCH policy, under which a
/// waking thread does not preempt the one running (it still gets its fair share of the CPU, and
/// an idle core at once). Does nothing where that is not available or not allowed.
void runAsBackgroundThread() noexcept;

} // namespace parley::server
