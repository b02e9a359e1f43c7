#pragma once

// Revocation across every node. A revocation made here (`POST /v1/revocations`) is saved, put in
// force here at once (init and update_token then get 20120, and live sessions whose token it
// covers close with 4403), and published on the broker's revocationTopic(); every node, this one
// included, puts what arrives there in force the same way and saves it, so it survives a restart
// of that node too. At start a node loads what its RevocationStore holds in force.
//
// Threading: revoke() blocks on the store (call it on a store worker); the rest may be called
// from any thread. Broker callbacks never block: they hand saving to a store worker.

#include "server/broker/broker.hpp"
#include "server/hub.hpp"
#include "server/revocation_list.hpp"
#include "server/store/revocation_store.hpp"
#include "server/store_workers.hpp"

#include <parley/token/clock.hpp>

#include <expected>
#include <string>
#include <vector>

namespace parley::server {

class Revocations final : public BrokerSubscriber {
public:
    Revocations(RevocationList& list, RevocationStore& store, Broker& broker, Hub& hub,
                StoreWorkers& workers, const token::Clock& clock);
    ~Revocations() override;
    Revocations(const Revocations&) = delete;
    Revocations& operator=(const Revocations&) = delete;

    /// Loads the saved revocations in force and subscribes to every node's. Call once, before
    /// serving; an error names what failed.
    std::expected<void, std::string> start();

    /// Makes the revocation `request` asks for, now; saves it, puts it in force here and
    /// publishes it to every node. kFailed when it could not be saved (nothing is revoked then).
    StoreResult<Revocation> revoke(const protocol::RevocationRequest& request);

    /// Those in force now on this node, in no particular order.
    std::vector<Revocation> inForce();

    void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override;

private:
    /// Puts `revocation` in force; when that changed anything, every session here re-checks its
    /// token. True if it changed anything.
    bool apply(const Revocation& revocation);
    token::UnixSeconds nowSeconds() const;

    RevocationList& list_;
    RevocationStore& store_;
    Broker& broker_;
    Hub& hub_;
    StoreWorkers& workers_;
    const token::Clock& clock_;
    bool subscribed_ = false;
};

} // namespace parley::server
