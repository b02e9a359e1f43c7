#pragma once

// Which of the client's server URLs the next connection goes to. The client tries the current
// URL; a failed attempt or a lost connection moves it to the next one, round robin, so a client
// given every node of a cluster lands on one that is up. The reconnect backoff applies once per
// full round of failed attempts, not per URL: a dead node costs the next node no wait.

#include "client/ws_url.hpp"

#include <cstddef>
#include <expected>
#include <string>
#include <vector>

namespace parley::client {

/// One URL as the app gave it (for messages) and as the transport takes it.
struct ServerUrl {
    std::string text;
    WsUrl url;
};

/// At most this many URLs: a list is a few nodes, not a crawl.
inline constexpr std::size_t kMaxServerUrls = 64;

/// Parses each URL of a non-empty list of at most kMaxServerUrls; fails with a message naming
/// the first bad one.
std::expected<std::vector<ServerUrl>, std::string>
parseServerUrls(const std::vector<std::string>& urls);

class UrlRotation {
public:
    /// `urls` must not be empty.
    explicit UrlRotation(std::vector<ServerUrl> urls);

    /// The URL the connection in flight uses, or the next attempt will.
    const ServerUrl& current() const { return urls_[index_]; }
    std::size_t size() const { return urls_.size(); }

    /// An attempt failed before the client was connected: moves to the next URL. Returns whether
    /// that attempt ended a full round of failures (every URL failed once since the last
    /// success or loss), the point where the backoff applies.
    bool failedAttempt();
    /// A connection that was up is lost: moves to the next URL and starts a new round there.
    void lostConnection();
    /// The client connected: the round is over.
    void connected() { failed_in_round_ = 0; }

private:
    void advance() { index_ = (index_ + 1) % urls_.size(); }

    std::vector<ServerUrl> urls_;
    std::size_t index_ = 0;
    std::size_t failed_in_round_ = 0;
};

} // namespace parley::client
