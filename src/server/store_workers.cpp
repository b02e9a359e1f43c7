#include "server/store_workers.hpp"

#include "server/thread_policy.hpp"

#include <boost/asio/defer.hpp>
#include <boost/asio/post.hpp>

#include <latch>
#include <memory>

namespace parley::server {

StoreWorkers::StoreWorkers(unsigned threads) : pool_(threads) {
    // One task per thread that waits for the others: each worker thread takes exactly one, and
    // becomes a background thread before any store work comes (thread_policy.hpp). The latch is
    // shared with the tasks: a thread may still be leaving arrive_and_wait when this returns.
    auto started = std::make_shared<std::latch>(threads);
    for (unsigned i = 0; i < threads; ++i) {
        boost::asio::post(pool_, [started] {
            runAsBackgroundThread();
            started->arrive_and_wait();
        });
    }
    started->wait();
}

StoreWorkers::~StoreWorkers() {
    stop();
}

void StoreWorkers::post(std::function<void()> task) {
    boost::asio::post(pool_, std::move(task));
}

void StoreWorkers::postOrdered(const std::string& key, std::function<void()> task) {
    Strand* strand = nullptr;
    {
        const std::lock_guard lock{mutex_};
        auto found = strands_.find(key);
        if (found == strands_.end()) {
            found = strands_.emplace(key, boost::asio::make_strand(pool_)).first;
        }
        strand = &found->second; // map nodes do not move
    }
    // Deferred rather than posted: from a worker (a send's check queueing its channel's commit,
    // a drain queueing the next) the strand's turn joins this thread's own queue and runs when
    // the current task returns, instead of waking another worker to take it (on one core, a
    // wake-up and two context switches for nothing). From any other thread it is a post.
    boost::asio::defer(*strand, std::move(task));
}

void StoreWorkers::postInLane(std::size_t lane_index, std::function<void()> task) {
    Lane& lane = lanes_.at(lane_index);
    {
        const std::lock_guard lock{lane.mutex};
        lane.tasks.push_back(std::move(task));
        if (lane.scheduled) {
            return;
        }
        lane.scheduled = true;
    }
    boost::asio::post(pool_, [this, &lane] { runLane(lane); });
}

// What was queued when the run starts runs now; what comes meanwhile, in the next run, posted
// behind whatever this one posted.
void StoreWorkers::runLane(Lane& lane) {
    std::vector<std::function<void()>> batch;
    {
        const std::lock_guard lock{lane.mutex};
        batch.swap(lane.tasks);
    }
    for (auto& task : batch) {
        task();
    }
    const std::lock_guard lock{lane.mutex};
    if (lane.tasks.empty()) {
        lane.scheduled = false;
        return;
    }
    boost::asio::post(pool_, [this, &lane] { runLane(lane); });
}

void StoreWorkers::stop() {
    pool_.stop();
    pool_.join();
}

} // namespace parley::server
