#pragma once

// Counters the server keeps for /metrics, rendered in the Prometheus text format. Lock-free
// increments on the hot paths; label sets are fixed at start so no map is touched per event.

#include "protocol/codes.hpp"

#include <parley/token/error.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace parley::server {

/// Why a connection ended, as counted in parley_connections_closed_total{reason=...}.
enum class CloseReason {
    kClientClosed,
    kNetworkError,
    kInitTimeout,
    kTokenRejected,
    kTokenExpired,
    kTokenRevoked,
    kProtocolError,
    kRateLimited,
    kTooBig,
    kTooSlow,
    kShutdown,
};
inline constexpr std::size_t kCloseReasonCount = 11;
std::string_view closeReasonName(CloseReason reason);

enum class LifecycleEvent {
    kAboutToExpire,
    kExpired,
};

class Metrics {
public:
    void connectionOpened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
    void connectionClosed(CloseReason reason);
    /// A token verified at init or update_token: ok, or the failure code.
    void tokenVerified(const token::TokenFailure* failure);
    void lifecycleEventSent(LifecycleEvent event);
    void messageStored(std::chrono::nanoseconds commit_latency) {
        messagesStored(1, commit_latency);
    }
    /// `count` messages stored by one commit (a group commit), which took `commit_latency`: the
    /// commit histogram counts commits, so messages stored / commits is the mean batch.
    void messagesStored(std::uint64_t count, std::chrono::nanoseconds commit_latency);
    void storeCommit(std::chrono::nanoseconds latency);
    /// An accept that failed, and the connections shed with it (accepted with the reserve
    /// descriptor and closed unserved because the process was out of descriptors).
    void acceptFailed(std::size_t shed);

    std::int64_t openConnections() const { return open_connections_.load(); }

    /// The Prometheus text exposition of everything above.
    std::string render() const;

private:
    void renderConnections(std::ostream& out) const;
    void renderTokens(std::ostream& out) const;
    void renderStore(std::ostream& out) const;
    void renderAccept(std::ostream& out) const;

    static constexpr std::array<double, 12> kLatencyBuckets = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};

    std::atomic<std::int64_t> open_connections_{0};
    std::array<std::atomic<std::uint64_t>, kCloseReasonCount> closed_{};
    std::atomic<std::uint64_t> tokens_ok_{0};
    std::array<std::atomic<std::uint64_t>, token::kAllTokenErrors.size()> tokens_failed_{};
    std::array<std::atomic<std::uint64_t>, 2> lifecycle_events_{};
    std::atomic<std::uint64_t> messages_stored_{0};
    std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size()> commit_buckets_{};
    std::atomic<std::uint64_t> commit_count_{0};
    std::atomic<std::uint64_t> commit_nanos_total_{0};
    std::atomic<std::uint64_t> accept_failures_{0};
    std::atomic<std::uint64_t> connections_shed_{0};
};

} // namespace parley::server
