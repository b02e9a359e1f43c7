#include "server/hub.hpp"

#include "server/delivery_inbox.hpp"

#include <algorithm>

namespace parley::server {

Hub::Hub(Broker& broker, Backfill* backfill) : broker_(broker), backfill_(backfill) {}

Hub::~Hub() {
    const std::lock_guard lock{mutex_};
    for (const auto& [channel, members] : channel_members_) {
        broker_.unsubscribe(channelTopic(channel), *this);
    }
    for (const auto& [identity, connected] : identities_) {
        broker_.unsubscribe(identityTopic(identity), *this);
    }
}

bool Hub::attach(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                 std::size_t max_per_identity) {
    const std::lock_guard lock{mutex_};
    const bool first = !identities_.contains(identity);
    Connected& connected = identities_[identity];
    // Sessions destroyed without detach (cannot happen through WsSession, which always detaches,
    // but the count must not drift if it did).
    session_count_ -= std::min(
        session_count_,
        static_cast<std::size_t>(std::erase_if(
            connected.sessions, [](const Attached& attached) { return attached.sink.expired(); })));
    if (connected.sessions.size() >= max_per_identity) {
        if (connected.sessions.empty()) {
            identities_.erase(identity);
        }
        return false;
    }
    if (first) {
        broker_.subscribe(identityTopic(identity), *this);
    }
    connected.sessions.push_back(Attached{.sink = session, .route = session->inboxRoute()});
    ++session_count_;
    forgetTargetsOfLocked(identity);
    return true;
}

void Hub::admit(const std::string& identity, const std::shared_ptr<SessionSink>& session,
                std::size_t max_per_identity, const std::function<void(bool admitted)>& done) {
    if (!attach(identity, session, max_per_identity)) {
        done(false);
        return;
    }
    const SessionSink* address = session.get();
    // Outside the hub's lock: the broker may answer at once, and a refusal detaches.
    const SessionSlot slot =
        broker_.admitSession(identity, max_per_identity, [this, identity, address, done](bool ok) {
            if (!ok) {
                detach(identity, address);
            }
            done(ok);
        });
    const std::lock_guard lock{mutex_};
    const auto found = identities_.find(identity);
    // Compared by owner, not by locking each: a last reference must not drop under the lock.
    const bool attached = found != identities_.end() &&
                          std::any_of(found->second.sessions.begin(), found->second.sessions.end(),
                                      [&session](const Attached& other) {
                                          return !other.sink.owner_before(session) &&
                                                 !session.owner_before(other.sink);
                                      });
    if (attached) {
        found->second.slots.emplace(address, slot);
    } else {
        broker_.releaseSession(slot); // detached meanwhile (closed, or refused)
    }
}

void Hub::detach(const std::string& identity, const SessionSink* session) {
    const std::lock_guard lock{mutex_};
    const auto found = identities_.find(identity);
    if (found == identities_.end()) {
        return;
    }
    if (const auto slot = found->second.slots.find(session); slot != found->second.slots.end()) {
        broker_.releaseSession(slot->second);
        found->second.slots.erase(slot);
    }
    auto& sessions = found->second.sessions;
    const auto before = sessions.size();
    std::erase_if(sessions, [session](const Attached& attached) {
        const auto alive = attached.sink.lock();
        return !alive || alive.get() == session;
    });
    session_count_ -= std::min(session_count_, before - sessions.size());
    forgetTargetsOfLocked(identity);
    if (sessions.empty()) {
        const auto channels = found->second.channels;
        for (const std::string& channel : channels) {
            leaveLocked(channel, identity);
        }
        identities_.erase(identity);
        broker_.unsubscribe(identityTopic(identity), *this);
    }
}

void Hub::addChannels(const std::string& identity, const std::vector<MemberChannel>& channels) {
    const std::lock_guard lock{mutex_};
    const auto connected = identities_.find(identity);
    if (connected == identities_.end()) {
        return; // every session of it has gone meanwhile
    }
    for (const MemberChannel& channel : channels) {
        if (!connected->second.left.contains(channel.sid)) {
            joinLocked(channel.sid, identity, channel.next_index);
        }
    }
}

void Hub::joinLocked(const std::string& channel, const std::string& identity,
                     std::optional<std::int64_t> first_owed) {
    auto& members = channel_members_[channel];
    if (members.empty()) {
        if (backfill_ == nullptr) {
            broker_.subscribe(channelTopic(channel), *this);
        } else {
            Sequence& sequence = sequences_[channel];
            sequence = Sequence{.generation = ++generations_};
            if (first_owed) {
                // The join says where delivery starts (this node may learn of it late):
                // subscribe now and read from the store what was sent since.
                sequence.last = *first_owed - 1;
                sequence.subscribed = true;
                broker_.subscribe(channelTopic(channel), *this);
            }
            // Without it, the newest index first; subscribed when it is known.
            startReadLocked(channel, sequence);
        }
    }
    members.insert(identity);
    identities_[identity].channels.insert(channel);
    forgetTargetsLocked(channel);
}

void Hub::leaveLocked(const std::string& channel, const std::string& identity) {
    if (const auto connected = identities_.find(identity); connected != identities_.end()) {
        connected->second.channels.erase(channel);
    }
    forgetTargetsLocked(channel);
    const auto found = channel_members_.find(channel);
    if (found == channel_members_.end()) {
        return;
    }
    found->second.erase(identity);
    if (found->second.empty()) {
        channel_members_.erase(found);
        sequences_.erase(channel);
        broker_.unsubscribe(channelTopic(channel), *this);
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

void Hub::onBrokerEvent(std::string_view topic, const ChannelEvent& event) {
    const DeliveryInbox::Batch batch; // one hand-over per io thread, not one per session
    if (isIdentityTopic(topic)) {
        for (const auto& session : onIdentityEvent(event)) {
            session->deliver(event.frame);
        }
        return;
    }
    deliverTo(onChannelEvent(event), event.frame);
}

void Hub::deliverTo(const SharedTargets& targets, const Payload& frame) {
    if (!targets) {
        return;
    }
    for (const ChannelTargets::Group& group : targets->groups) {
        group.inbox->pushFanout(group.targets, frame, group.executor);
    }
    for (const auto& weak : targets->others) {
        if (const auto session = weak.lock()) {
            session->deliver(frame);
        }
    }
}

void Hub::ChannelTargets::add(const std::weak_ptr<SessionSink>& sink,
                              const SessionSink::InboxRoute& route) {
    if (route.inbox == nullptr) {
        others.push_back(sink);
        return;
    }
    // A linear search: one group per io thread.
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&route](const Group& g) { return g.inbox == route.inbox; });
    if (group == groups.end()) {
        group = groups.insert(groups.end(),
                              Group{.inbox = route.inbox,
                                    .executor = route.executor,
                                    .targets = std::make_shared<DeliveryInbox::Targets>()});
    }
    group->targets->push_back(route.target);
}

void Hub::forgetTargetsOfLocked(const std::string& identity) {
    if (const auto connected = identities_.find(identity); connected != identities_.end()) {
        for (const std::string& channel : connected->second.channels) {
            forgetTargetsLocked(channel);
        }
    }
}

void Hub::sessionsOfLocked(const std::string& identity, Targets& out) const {
    const auto connected = identities_.find(identity);
    if (connected == identities_.end()) {
        return;
    }
    for (const Attached& attached : connected->second.sessions) {
        if (auto session = attached.sink.lock()) {
            out.push_back(std::move(session));
        }
    }
}

// The members' view. A member event is not shown here to the member it is about: that one gets
// it through its identity topic, whether or not this node knew it as a member yet.
Hub::SharedTargets Hub::onChannelEvent(const ChannelEvent& event) {
    const std::lock_guard lock{mutex_};
    if (const auto sequence = sequences_.find(event.channel); sequence != sequences_.end()) {
        if (!admitLocked(sequence->second, event)) {
            return nullptr;
        }
    }
    return channelTargetsLocked(event);
}

Hub::SharedTargets Hub::channelTargetsLocked(const ChannelEvent& event) {
    const bool message = event.kind == ChannelEvent::Kind::kMessage;
    if (message) {
        if (const auto cached = message_targets_.find(event.channel);
            cached != message_targets_.end()) {
            return cached->second;
        }
    }
    const auto members = channel_members_.find(event.channel);
    if (members == channel_members_.end()) {
        return nullptr; // not cached: nothing to forget when a member joins
    }
    auto targets = std::make_shared<ChannelTargets>();
    for (const std::string& identity : members->second) {
        const auto connected = identities_.find(identity);
        if (connected != identities_.end() && (message || identity != event.identity)) {
            for (const Attached& attached : connected->second.sessions) {
                targets->add(attached.sink, attached.route);
            }
        }
    }
    if (message) {
        message_targets_.emplace(event.channel, targets);
    }
    return targets;
}

// The member's own view: a join starts delivery of the channel to its sessions here (and shows
// them the event); a leave shows them the event, then stops delivery.
Hub::Targets Hub::onIdentityEvent(const ChannelEvent& event) {
    const std::lock_guard lock{mutex_};
    Targets targets;
    if (event.kind == ChannelEvent::Kind::kMessage || !identities_.contains(event.identity)) {
        return targets;
    }
    Connected& connected = identities_.find(event.identity)->second;
    ++connected.membership_events;
    if (event.kind == ChannelEvent::Kind::kMemberJoined) {
        connected.left.erase(event.channel);
        joinLocked(event.channel, event.identity,
                   event.index >= 0 ? std::optional{event.index} : std::nullopt);
    }
    sessionsOfLocked(event.identity, targets);
    if (event.kind == ChannelEvent::Kind::kMemberLeft) {
        connected.left.insert(event.channel);
        leaveLocked(event.channel, event.identity);
    }
    return targets;
}

} // namespace parley::server
