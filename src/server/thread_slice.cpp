#include "server/thread_slice.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace parley::server {

namespace {

// The kernel's struct sched_attr (include/uapi/linux/sched/types.h), spelled out here:
// <linux/sched/types.h> redefines sched_param next to glibc's <sched.h>, and glibc 2.36 has no
// wrapper for sched_setattr.
struct SchedAttr {
    std::uint32_t size = sizeof(SchedAttr);
    std::uint32_t policy = 0; // SCHED_OTHER
    std::uint64_t flags = 0;
    std::int32_t nice = 0;
    std::uint32_t priority = 0;
    std::uint64_t runtime_ns = 0; // the slice, for SCHED_OTHER under EEVDF
    std::uint64_t deadline_ns = 0;
    std::uint64_t period_ns = 0;
};

} // namespace

bool requestSchedulingSlice(std::chrono::microseconds slice) {
    SchedAttr attr;
    // The call sets the nice value too: the thread keeps the one it has (`nice parley serve`).
    // (SCHED_FLAG_KEEP_PARAMS would keep it, but skips the slice with it.)
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    if (nice == -1 && errno != 0) {
        return false;
    }
    attr.nice = nice;
    attr.runtime_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count());
    return ::syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

std::optional<std::chrono::microseconds> schedulingSlice() {
    SchedAttr attr;
    if (::syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) != 0 || attr.runtime_ns == 0) {
        return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::nanoseconds{attr.runtime_ns});
}

} // namespace parley::server
