#include "server/metrics.hpp"

#include "protocol/events.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace parley::server {

std::string_view closeReasonName(CloseReason reason) {
    switch (reason) {
    case CloseReason::kClientClosed:
        return "client_closed";
    case CloseReason::kNetworkError:
        return "network_error";
    case CloseReason::kInitTimeout:
        return "init_timeout";
    case CloseReason::kTokenRejected:
        return "token_rejected";
    case CloseReason::kTokenExpired:
        return "token_expired"; // protocol-spelling: ok (a close reason label, not the event)
    case CloseReason::kTokenRevoked:
        return "token_revoked";
    case CloseReason::kProtocolError:
        return "protocol_error";
    case CloseReason::kRateLimited:
        return "rate_limited";
    case CloseReason::kTooBig:
        return "too_big";
    case CloseReason::kTooSlow:
        return "too_slow";
    case CloseReason::kShutdown:
        return "shutdown";
    }
    return "unknown";
}

void Metrics::connectionClosed(CloseReason reason) {
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
    closed_.at(static_cast<std::size_t>(reason)).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::tokenVerified(const token::TokenFailure* failure) {
    if (failure == nullptr) {
        tokens_ok_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const auto& all = token::kAllTokenErrors;
    const auto index =
        static_cast<std::size_t>(std::find(all.begin(), all.end(), failure->code) - all.begin());
    if (index < tokens_failed_.size()) {
        tokens_failed_.at(index).fetch_add(1, std::memory_order_relaxed);
    }
}

void Metrics::lifecycleEventSent(LifecycleEvent event) {
    lifecycle_events_.at(static_cast<std::size_t>(event)).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::messagesStored(std::uint64_t count, std::chrono::nanoseconds commit_latency) {
    messages_stored_.fetch_add(count, std::memory_order_relaxed);
    storeCommit(commit_latency);
}

void Metrics::storeCommit(std::chrono::nanoseconds latency) {
    const double seconds = std::chrono::duration<double>(latency).count();
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets.at(i)) {
            commit_buckets_.at(i).fetch_add(1, std::memory_order_relaxed);
        }
    }
    commit_count_.fetch_add(1, std::memory_order_relaxed);
    commit_nanos_total_.fetch_add(static_cast<std::uint64_t>(latency.count()),
                                  std::memory_order_relaxed);
}

void Metrics::acceptFailed(std::size_t shed) {
    accept_failures_.fetch_add(1, std::memory_order_relaxed);
    connections_shed_.fetch_add(shed, std::memory_order_relaxed);
}

void Metrics::renderConnections(std::ostream& out) const {
    out << "# HELP parley_connections_open WebSocket connections currently open.\n"
        << "# TYPE parley_connections_open gauge\n"
        << "parley_connections_open " << open_connections_.load() << "\n";
    out << "# HELP parley_connections_closed_total Connections ended, by reason.\n"
        << "# TYPE parley_connections_closed_total counter\n";
    for (std::size_t i = 0; i < kCloseReasonCount; ++i) {
        out << "parley_connections_closed_total{reason=\""
            << closeReasonName(static_cast<CloseReason>(i)) << "\"} " << closed_.at(i).load()
            << "\n";
    }
}

void Metrics::renderTokens(std::ostream& out) const {
    out << "# HELP parley_tokens_verified_total Tokens verified at init and update_token, by "
           "result code (0 = valid).\n"
        << "# TYPE parley_tokens_verified_total counter\n"
        << "parley_tokens_verified_total{code=\"0\"} " << tokens_ok_.load() << "\n";
    for (std::size_t i = 0; i < token::kAllTokenErrors.size(); ++i) {
        out << "parley_tokens_verified_total{code=\""
            << static_cast<int>(token::kAllTokenErrors.at(i)) << "\"} "
            << tokens_failed_.at(i).load() << "\n";
    }
    // Labelled with the events' wire names.
    out << "# HELP parley_lifecycle_events_total Token lifecycle events sent to clients.\n"
        << "# TYPE parley_lifecycle_events_total counter\n"
        << "parley_lifecycle_events_total{event=\""
        << protocol::eventName(protocol::EventKind::kTokenAboutToExpire) << "\"} "
        << lifecycle_events_.at(0).load() << "\n"
        << "parley_lifecycle_events_total{event=\""
        << protocol::eventName(protocol::EventKind::kTokenExpired) << "\"} "
        << lifecycle_events_.at(1).load() << "\n";
}

void Metrics::renderStore(std::ostream& out) const {
    out << "# HELP parley_messages_stored_total Messages committed to the store.\n"
        << "# TYPE parley_messages_stored_total counter\n"
        << "parley_messages_stored_total " << messages_stored_.load() << "\n";
    out << "# HELP parley_store_commit_seconds Latency of store commits (one per batch of "
           "messages).\n"
        << "# TYPE parley_store_commit_seconds histogram\n";
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        out << "parley_store_commit_seconds_bucket{le=\"" << kLatencyBuckets.at(i) << "\"} "
            << commit_buckets_.at(i).load() << "\n";
    }
    out << "parley_store_commit_seconds_bucket{le=\"+Inf\"} " << commit_count_.load()
        << "\n"
        // Enough digits that a sum over months of uptime keeps microsecond resolution.
        << "parley_store_commit_seconds_sum " << std::setprecision(15)
        << static_cast<double>(commit_nanos_total_.load()) / 1e9 << "\n"
        << "parley_store_commit_seconds_count " << commit_count_.load() << "\n";
}

void Metrics::renderAccept(std::ostream& out) const {
    out << "# HELP parley_accept_failures_total Accepts of TCP connections that failed (out of "
           "file descriptors, say); accepting pauses after each.\n"
        << "# TYPE parley_accept_failures_total counter\n"
        << "parley_accept_failures_total " << accept_failures_.load() << "\n";
    out << "# HELP parley_connections_shed_total Connections closed right after accept, unserved, "
           "because the server was out of file descriptors.\n"
        << "# TYPE parley_connections_shed_total counter\n"
        << "parley_connections_shed_total " << connections_shed_.load() << "\n";
}

std::string Metrics::render() const {
    std::ostringstream out;
    renderConnections(out);
    renderTokens(out);
    renderStore(out);
    renderAccept(out);
    return out.str();
}

} // namespace parley::server
