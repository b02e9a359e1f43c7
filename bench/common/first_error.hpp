#pragma once

// The first thing that went wrong in a part of a run, kept for the report: set from the part's io
// thread, read from the thread that runs the measurement.

#include <atomic>
#include <mutex>
#include <string>

namespace parley::bench {

class FirstError {
public:
    /// Keeps `why` unless an earlier error was kept.
    void set(const std::string& why) {
        {
            const std::lock_guard lock{mutex_};
            if (why_.empty()) {
                why_ = why;
            }
        }
        failed_.store(true);
    }
    bool failed() const { return failed_.load(); }
    /// Empty while nothing failed.
    std::string what() const {
        const std::lock_guard lock{mutex_};
        return why_;
    }

private:
    std::atomic<bool> failed_{false};
    mutable std::mutex mutex_;
    std::string why_;
};

} // namespace parley::bench
