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

void StoreWorkers::stop() {
    pool_.stop();
    pool_.join();
}

} // namespace parley::server
