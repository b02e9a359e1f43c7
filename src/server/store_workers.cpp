#include "server/store_workers.hpp"

#include <boost/asio/post.hpp>

namespace parley::server {

StoreWorkers::StoreWorkers(unsigned threads) : pool_(threads) {}

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
    boost::asio::post(*strand, std::move(task));
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
