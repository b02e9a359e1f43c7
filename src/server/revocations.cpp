#include "server/revocations.hpp"

#include <spdlog/spdlog.h>

namespace parley::server {

Revocations::Revocations(RevocationList& list, RevocationStore& store, Broker& broker, Hub& hub,
                         StoreWorkers& workers, const token::Clock& clock)
    : list_(list), store_(store), broker_(broker), hub_(hub), workers_(workers), clock_(clock) {}

Revocations::~Revocations() {
    if (subscribed_) {
        broker_.unsubscribe(revocationTopic(), *this);
    }
}

token::UnixSeconds Revocations::nowSeconds() const {
    return std::chrono::floor<std::chrono::seconds>(clock_.now());
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
    return {};
}

StoreResult<Revocation> Revocations::revoke(const protocol::RevocationRequest& request) {
    const Revocation revocation = revocationFor(request, clock_.now());
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
    workers_.post([this, revocation] {
        if (!store_.save(revocation)) {
            spdlog::error("could not save a revocation from another node: {}={}",
                          protocol::revocationField(revocation.kind), revocation.value);
        }
    });
}

bool Revocations::apply(const Revocation& revocation) {
    if (!list_.add(revocation)) {
        return false;
    }
    // Every tracked session, initialized or not: one whose init is being verified re-checks the
    // token it verified, so a revocation racing an init is not missed.
    for (const auto& session : hub_.sessions()) {
        session->recheckRevocation();
    }
    return true;
}

} // namespace parley::server
