#include "server/thread_policy.hpp"

#include <sched.h>

namespace parley::server {

void runAsBackgroundThread() noexcept {
    const sched_param param{}; // SCHED_BATCH takes priority 0
    // Pid 0 is the calling thread; a failure leaves the thread as it was, which is only slower.
    static_cast<void>(sched_setscheduler(0, SCHED_BATCH, &param));
}

} // namespace parley::server
