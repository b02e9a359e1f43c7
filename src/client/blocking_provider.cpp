// blockingProvider (parley/client/access_manager.hpp): a blocking fetch as a TokenProvider.

#include <parley/client/access_manager.hpp>

#include <thread>

namespace parley::client {

TokenProvider blockingProvider(std::function<ProviderResult()> fetch) {
    return [fetch = std::move(fetch)](std::function<void(ProviderResult)> done) {
        // Detached: a provider stuck in I/O must not hold up shutdown; its late answer is dropped
        // by the manager (the callback only holds a weak reference).
        std::thread([fetch, done = std::move(done)] { done(fetch()); }).detach();
    };
}

} // namespace parley::client
