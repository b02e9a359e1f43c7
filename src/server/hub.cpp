#include "server/hub.hpp"

#include <algorithm>

namespace parley::server {

Hub::Hub(Broker& broker) : broker_(broker) {}

Hub::~Hub() {
    const std::lock_guard lock{mutex_};
    for (const auto& [channel, members] : channel_members_) {
        broker_.unsubscribe(channel, *this);
    }
}

bool Hub::attach(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                 const std::vector<std::string>& channels, std::size_t max_per_identity) {
    const std::lock_guard lock{mutex_};
    Connected& connected = identities_[identity];
    // Sessions destroyed without detach (cannot happen through WsSession, which always detaches,
    // but the count must not drift if it did).
    session_count_ -= std::min(
        session_count_, static_cast<std::size_t>(std::erase_if(
                            connected.sessions, [](const auto& weak) { return weak.expired(); })));
    if (connected.sessions.size() >= max_per_identity) {
        if (connected.sessions.empty()) {
            identities_.erase(identity);
        }
        return false;
    }
    connected.sessions.push_back(session);
    ++session_count_;
    for (const std::string& channel : channels) {
        joinLocked(channel, identity);
    }
    return true;
}

void Hub::detach(const std::string& identity, const SessionSink* session) {
    const std::lock_guard lock{mutex_};
    const auto found = identities_.find(identity);
    if (found == identities_.end()) {
        return;
    }
    auto& sessions = found->second.sessions;
    const auto before = sessions.size();
    std::erase_if(sessions, [session](const auto& weak) {
        const auto alive = weak.lock();
        return !alive || alive.get() == session;
    });
    session_count_ -= std::min(session_count_, before - sessions.size());
    if (sessions.empty()) {
        const auto channels = found->second.channels;
        for (const std::string& channel : channels) {
            leaveLocked(channel, identity);
        }
        identities_.erase(found);
    }
}

void Hub::memberAdded(const std::string& channel, const std::string& identity) {
    const std::lock_guard lock{mutex_};
    if (identities_.contains(identity)) {
        joinLocked(channel, identity);
    }
}

void Hub::memberRemoved(const std::string& channel, const std::string& identity) {
    const std::lock_guard lock{mutex_};
    leaveLocked(channel, identity);
}

void Hub::joinLocked(const std::string& channel, const std::string& identity) {
    auto& members = channel_members_[channel];
    if (members.empty()) {
        broker_.subscribe(channel, *this);
    }
    members.insert(identity);
    identities_[identity].channels.insert(channel);
}

void Hub::leaveLocked(const std::string& channel, const std::string& identity) {
    if (const auto connected = identities_.find(identity); connected != identities_.end()) {
        connected->second.channels.erase(channel);
    }
    const auto found = channel_members_.find(channel);
    if (found == channel_members_.end()) {
        return;
    }
    found->second.erase(identity);
    if (found->second.empty()) {
        channel_members_.erase(found);
        broker_.unsubscribe(channel, *this);
    }
}

void Hub::track(const std::shared_ptr<SessionSink>& session) {
    const std::lock_guard lock{mutex_};
    tracked_.emplace(session.get(), session);
}

void Hub::untrack(const SessionSink* session) {
    const std::lock_guard lock{mutex_};
    tracked_.erase(session);
}

std::vector<std::shared_ptr<SessionSink>> Hub::sessions() const {
    const std::lock_guard lock{mutex_};
    std::vector<std::shared_ptr<SessionSink>> all;
    for (const auto& [pointer, weak] : tracked_) {
        if (auto session = weak.lock()) {
            all.push_back(std::move(session));
        }
    }
    return all;
}

std::size_t Hub::sessionCount() const {
    const std::lock_guard lock{mutex_};
    return session_count_;
}

void Hub::onBrokerEvent(std::string_view topic, const Payload& payload) {
    const std::lock_guard lock{mutex_};
    const auto members = channel_members_.find(topic);
    if (members == channel_members_.end()) {
        return;
    }
    for (const std::string& identity : members->second) {
        const auto connected = identities_.find(identity);
        if (connected == identities_.end()) {
            continue;
        }
        for (const auto& weak : connected->second.sessions) {
            if (const auto session = weak.lock()) {
                session->deliver(payload);
            }
        }
    }
}

} // namespace parley::server
