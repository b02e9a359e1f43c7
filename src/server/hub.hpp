#pragma once

// Who is connected on this node, and which local identities belong to which channels: the hub
// turns a channel event from the broker into frames for the right sessions.
//
// It subscribes to a channel's topic while at least one connected identity here is a member,
// and unsubscribes when the last one goes, so the broker only sends a node what it needs.

#include "server/broker/broker.hpp"
#include "server/session_sink.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace parley::server {

class Hub final : public BrokerSubscriber {
public:
    explicit Hub(Broker& broker);
    ~Hub() override;
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    /// Registers a session of `identity` that belongs to `channels`, unless the identity already
    /// has `max_per_identity` sessions. Returns false (nothing registered) in that case.
    bool attach(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                const std::vector<std::string>& channels, std::size_t max_per_identity);
    void detach(const std::string& identity, const SessionSink* session);

    /// Membership changes, so events of the channel reach (or stop reaching) the identity here.
    void memberAdded(const std::string& channel, const std::string& identity);
    void memberRemoved(const std::string& channel, const std::string& identity);

    /// Every open connection, initialized or not, is tracked so shutdown can close them all.
    void track(const std::shared_ptr<SessionSink>& session);
    void untrack(const SessionSink* session);
    /// Every tracked session (for shutdown).
    std::vector<std::shared_ptr<SessionSink>> sessions() const;
    std::size_t sessionCount() const;

    void onBrokerEvent(std::string_view topic, const Payload& payload) override;

private:
    struct Connected {
        std::vector<std::weak_ptr<SessionSink>> sessions;
        std::set<std::string, std::less<>> channels;
    };

    void joinLocked(const std::string& channel, const std::string& identity);
    void leaveLocked(const std::string& channel, const std::string& identity);

    Broker& broker_;
    mutable std::mutex mutex_;
    std::map<std::string, Connected, std::less<>> identities_;
    std::map<std::string, std::set<std::string, std::less<>>, std::less<>> channel_members_;
    std::size_t session_count_ = 0;
    std::map<const SessionSink*, std::weak_ptr<SessionSink>> tracked_;
};

} // namespace parley::server
