#pragma once

// The threads that run store work, so it never runs on an io thread: a user reading 16 MB of
// history occupies a store worker, while every other user's frames keep flowing on the io
// threads. Work that must keep its order (one channel's appends and their publishes) runs on
// that key's strand: in posting order, one task at a time, while other keys run in parallel.
//
// The queue is bounded by its callers, not here: a session hands over one op at a time, or up to
// SessionCore::kMaxSendsInFlight message.sends, and reads on only within that bound.

#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

class StoreWorkers {
public:
    explicit StoreWorkers(unsigned threads);
    ~StoreWorkers();
    StoreWorkers(const StoreWorkers&) = delete;
    StoreWorkers& operator=(const StoreWorkers&) = delete;

    /// Runs `task` on a worker.
    void post(std::function<void()> task);
    /// Runs `task` after every task posted earlier with the same `key` has finished.
    void postOrdered(const std::string& key, std::function<void()> task);
    /// Runs `task` after every task posted earlier with a key of the same lane has finished. For
    /// keys too many to give each a strand (identities): a key always maps to the same one of
    /// kLanes lanes, so its tasks keep their order, and other lanes run in parallel. A lane runs
    /// everything queued in it in one go, so tasks it posts elsewhere (a send's check posts its
    /// channel's commit) come after the lot: the commit then finds every checked send waiting.
    void postInLane(std::size_t lane, std::function<void()> task);
    /// The lane of `key`, for postInLane (taken before the key is moved into the task).
    static std::size_t laneOf(std::string_view key) {
        return std::hash<std::string_view>{}(key) % kLanes;
    }
    /// Waits for running tasks to finish and drops the queued ones. Idempotent.
    void stop();

private:
    using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

    static constexpr std::size_t kLanes = 64;

    struct Lane {
        std::mutex mutex;
        std::vector<std::function<void()>> tasks;
        bool scheduled = false; // a worker runs it, or will
    };
    void runLane(Lane& lane);

    boost::asio::thread_pool pool_;
    std::array<Lane, kLanes> lanes_;
    std::mutex mutex_;
    // One per key ever used (a channel); a strand is a few words, and channels are few beside
    // messages.
    std::map<std::string, Strand, std::less<>> strands_;
};

} // namespace parley::server
