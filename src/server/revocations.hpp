#pragma once

// Revocation across every node. A revocation made here (`POST /v1/revocations`) is saved, put in
// force here at once (init and update_token then get 20120, and live sessions whose token it
// covers close with 4403), and published on the broker's revocationTopic(); every node, this one
// included, puts what arrives there in force the same way. At start a node loads what its
// RevocationStore holds in force.
//
// The broker is at most once, so it is not the only way in. Over a store every node shares
// (PostgreSQL), a node reads the store again every `reload_interval` and whenever the broker
// reports a gap on revocationTopic() (its Redis connection came back), and puts in force what it
// did not know, exactly as if the broker had brought it: a revocation the broker never delivered
// here is enforced within one interval plus one read. Over a store of this node's own (SQLite),
// what arrives through the broker is saved there too, so it survives a restart of this node.
//
// Threading: revoke() blocks on the store (call it on a store worker); the rest may be called
// from any thread. Broker callbacks and timers never block: they hand store work to a store
// worker. The timers run on `scheduler`, which must stop running them (be destroyed, or its
// thread stopped) before this object is destroyed.

#include "server/broker/broker.hpp"
#include "server/hub.hpp"
#include "server/revocation_list.hpp"
#include "server/store/revocation_store.hpp"
#include "server/store_workers.hpp"

#include <parley/token/scheduler.hpp>

#include <atomic>
#include <chrono>
#include <expected>
#include <string>
#include <vector>

namespace parley::server {

struct RevocationsOptions {
    /// How often the store is read again for revocations made on other nodes; 0 never (a store
    /// of this node's own holds nothing the broker did not bring).
    std::chrono::milliseconds reload_interval{0};
};

class Revocations final : public BrokerSubscriber {
public:
    Revocations(RevocationList& list, RevocationStore& store, Broker& broker, Hub& hub,
                StoreWorkers& workers, token::Scheduler& scheduler,
                RevocationsOptions options = {});
    ~Revocations() override;
    Revocations(const Revocations&) = delete;
    Revocations& operator=(const Revocations&) = delete;

    /// Loads the saved revocations in force, subscribes to every node's and arms the reload
    /// timer. Call once, before serving (or from the scheduler's thread); an error names what
    /// failed.
    std::expected<void, std::string> start();

    /// Makes the revocation `request` asks for, now; saves it, puts it in force here and
    /// publishes it to every node. kFailed when it could not be saved (nothing is revoked then).
    StoreResult<Revocation> revoke(const protocol::RevocationRequest& request);

    /// Those in force now on this node, in no particular order.
    std::vector<Revocation> inForce();

    /// Reads the store and puts in force what this node did not know, re-checking every
    /// session's token if anything was new. Blocks on the store (a store worker calls it). How
    /// many revocations were new, or kFailed.
    StoreResult<std::size_t> reload();

    void onBrokerEvent(std::string_view topic, const ChannelEvent& event) override;
    /// Events of revocationTopic() may have been lost: the store is read again.
    void onBrokerGap(std::string_view topic) override;

private:
    /// Puts `revocation` in force; when that changed anything, every session here re-checks its
    /// token. True if it changed anything.
    bool apply(const Revocation& revocation);
    void recheckSessions();
    /// Arms the next periodic reload (when there is an interval).
    void armReload();
    /// Runs reload() on a store worker and logs how it went; `periodic` when the timer asked.
    void postReload(bool periodic);
    token::UnixSeconds nowSeconds() const;

    RevocationList& list_;
    RevocationStore& store_;
    Broker& broker_;
    Hub& hub_;
    StoreWorkers& workers_;
    token::Scheduler& scheduler_;
    const RevocationsOptions options_;
    bool subscribed_ = false;
    // A periodic reload is queued or running: the timer does not queue another behind it.
    std::atomic<bool> periodic_reload_pending_{false};
    // The last reload failed: the next success is logged, the failures in between are not.
    std::atomic<bool> reload_failing_{false};
};

} // namespace parley::server
