#include "server/revocations.hpp"

#include <spdlog/spdlog.h>

namespace parley::server {

Revocations::Revocations(RevocationList& list, RevocationStore& store, Broker& broker, Hub& hub,
                         StoreWorkers& workers, token::Scheduler& scheduler,
                         RevocationsOptions options)
    : list_(list), store_(store), broker_(broker), hub_(hub), workers_(workers),
      scheduler_(scheduler), options_(options) {}

Revocations::~Revocations() {
    if (subscribed_) {
        broker_.unsubscribe(revocationTopic(), *this);
    }
}

token::UnixSeconds Revocations::nowSeconds() const {
    return std::chrono::floor<std::chrono::seconds>(scheduler_.clock().now());
}

std::expected<void, std::string> Revocations::start() {
    // Subscribed first: one published while the store is read is not missed.
    broker_.subscribe(revocationTopic(), *this);
    subscribed_ = true;
    const auto saved = store_.inForce(nowSeconds());
    if (!saved) {
        return std::unexpected("cannot read the saved revocations");
    }
    for (const Revocation& revocation : *saved) {
        list_.add(revocation);
    }
    if (!saved->empty()) {
        spdlog::info("{} revocations in force", saved->size());
    }
    armReload();
    return {};
}

StoreResult<Revocation> Revocations::revoke(const protocol::RevocationRequest& request) {
    const Revocation revocation = revocationFor(request, scheduler_.clock().now());
    if (auto saved = store_.save(revocation); !saved) {
        return std::unexpected(saved.error());
    }
    // In force here before the caller hears of it: an init on this node right after the answer
    // is refused, whatever the broker's latency.
    apply(revocation);
    broker_.publish(revocationTopic(),
                    ChannelEvent{.kind = ChannelEvent::Kind::kRevocation,
                                 .identity = revocation.kind == RevocationKind::kIdentity
                                                 ? revocation.value
                                                 : std::string{},
                                 .frame = std::make_shared<const std::string>(
                                     protocol::encodeRevocation(toWire(revocation)).dump())});
    spdlog::info("revoked {}={} issued up to {}", protocol::revocationField(revocation.kind),
                 revocation.value, revocation.revoked_at.time_since_epoch().count());
    return revocation;
}

std::vector<Revocation> Revocations::inForce() {
    return list_.inForce(nowSeconds());
}

StoreResult<std::size_t> Revocations::reload() {
    const auto saved = store_.inForce(nowSeconds());
    if (!saved) {
        return std::unexpected(saved.error());
    }
    std::size_t learnt = 0;
    for (const Revocation& revocation : *saved) {
        if (list_.add(revocation)) {
            ++learnt;
            spdlog::info("revocation read from the store: {}={}",
                         protocol::revocationField(revocation.kind), revocation.value);
        }
    }
    if (learnt > 0) {
        recheckSessions();
    }
    return learnt;
}

void Revocations::onBrokerEvent(std::string_view /*topic*/, const ChannelEvent& event) {
    if (event.kind != ChannelEvent::Kind::kRevocation || !event.frame) {
        return;
    }
    const auto decoded = protocol::decodeRevocation(
        protocol::Json::parse(*event.frame, nullptr, /*allow_exceptions=*/false));
    if (!decoded) {
        spdlog::warn("dropped a revocation from the broker: {}", decoded.error().message);
        return;
    }
    const Revocation revocation = fromWire(*decoded);
    if (lapsed(revocation, nowSeconds()) || !apply(revocation)) {
        return; // lapsed already, or known (this node made it, or heard it before)
    }
    spdlog::info("revocation from another node: {}={}", protocol::revocationField(revocation.kind),
                 revocation.value);
    if (store_.sharedByNodes()) {
        return; // the node that made it saved it where every node reads
    }
    workers_.post([this, revocation] {
        if (!store_.save(revocation)) {
            spdlog::error("could not save a revocation from another node: {}={}",
                          protocol::revocationField(revocation.kind), revocation.value);
        }
    });
}

void Revocations::onBrokerGap(std::string_view topic) {
    // Gaps are rare (a lost Redis connection): read whatever store this is. A store of this
    // node's own has nothing new, and reading it again costs little.
    if (topic != revocationTopic()) {
        return;
    }
    spdlog::info("revocations may have been lost by the broker: reading them from the store");
    postReload(/*periodic=*/false);
}

void Revocations::armReload() {
    if (options_.reload_interval <= std::chrono::milliseconds::zero()) {
        return;
    }
    scheduler_.scheduleAt(scheduler_.clock().now() + options_.reload_interval, [this] {
        armReload();
        // A store slower than the interval gets one read at a time, not a growing queue.
        if (!periodic_reload_pending_.exchange(true)) {
            postReload(/*periodic=*/true);
        }
    });
}

void Revocations::postReload(bool periodic) {
    workers_.post([this, periodic] {
        const auto learnt = reload();
        if (periodic) {
            periodic_reload_pending_ = false;
        }
        // Logged once per outage, not on every tick (the store logs its own failures).
        if (!learnt && !reload_failing_.exchange(true)) {
            spdlog::warn("cannot read the revocations from the store; trying again");
        } else if (learnt && reload_failing_.exchange(false)) {
            spdlog::info("revocations read from the store again");
        }
    });
}

bool Revocations::apply(const Revocation& revocation) {
    if (!list_.add(revocation)) {
        return false;
    }
    recheckSessions();
    return true;
}

void Revocations::recheckSessions() {
    // Every tracked session, initialized or not: one whose init is being verified re-checks the
    // token it verified, so a revocation racing an init is not missed.
    for (const auto& session : hub_.sessions()) {
        session->recheckRevocation();
    }
}

} // namespace parley::server
