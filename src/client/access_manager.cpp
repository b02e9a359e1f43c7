#include "client/own_thread.hpp"
#include "client/renewal_delay.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/token/error.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace parley::client {

namespace {

TokenInfo infoOf(const lifecycle::CheckedToken& token) {
    return TokenInfo{.identity = token.identity, .expires_at = token.expires_at};
}

Error errorOf(const token::TokenFailure& failure) {
    return Error{.code = failure.wireCode(), .message = failure.message};
}

} // namespace

class AccessManager::Impl : public std::enable_shared_from_this<Impl> {
public:
    Impl(AccessManagerOptions options, lifecycle::Scheduler* scheduler,
         std::unique_ptr<OwnThread> own)
        : options_(std::move(options)), own_(std::move(own)),
          scheduler_(scheduler != nullptr ? scheduler : &own_->scheduler),
          lifecycle_(*scheduler_,
                     lifecycle::LifecycleOptions{.about_to_expire_window =
                                                     options_.about_to_expire_window},
                     lifecycle::LifecycleCallbacks{
                         .about_to_expire = [this](const auto& token) { onWillExpire(token); },
                         .expired = [this](const auto& token) { onExpired(token); },
                     }),
          backoff_(options_.retry, options_.seed.value_or(std::random_device{}())),
          random_(options_.seed.value_or(std::random_device{}()) ^ 0x9e3779b97f4a7c15ULL) {}

    // The first token is checked and set before the scheduler runs anything, so token() has it
    // as soon as create() returns.
    void start(const std::string& token) {
        auto checked = lifecycle_.check(token);
        if (checked) {
            setCurrent(*checked);
        } else {
            post([this, error = errorOf(checked.error())] { emitError(error); });
        }
        if (own_) {
            own_->thread = std::thread([own = own_.get()] { own->io.run(); });
        }
    }

    void post(std::function<void()> task) {
        scheduler_->post([weak = weak_from_this(), task = std::move(task)] {
            const auto self = weak.lock();
            if (self && !self->shut_down_.load()) {
                task();
            }
        });
    }

    void shutdown() {
        if (shut_down_.exchange(true)) {
            joinOwnThread();
            return;
        }
        {
            const std::lock_guard lock{mutex_};
            will_expire_listeners.clear();
            expired_listeners.clear();
            updated_listeners.clear();
            error_listeners.clear();
            current_jwt_.reset();
        }
        // Timers belong to the scheduler's thread; clear them there.
        scheduler_->post([weak = weak_from_this()] {
            if (const auto self = weak.lock()) {
                self->lifecycle_.clear();
                self->scheduler_->cancel(self->renewal_timer_);
                self->renewal_timer_ = 0;
                self->clients_.clear();
            }
        });
        if (own_) {
            own_->work.reset();
            boost::asio::post(own_->io, [own = own_.get()] { own->scheduler.cancelAll(); });
        }
        joinOwnThread();
    }

    void joinOwnThread() {
        if (own_ && own_->thread.joinable() &&
            own_->thread.get_id() != std::this_thread::get_id()) {
            own_->thread.join();
        }
    }

    void attach(const std::shared_ptr<TokenConsumer>& client) {
        client->setRenewRequest([weak = weak_from_this()](const std::string& revoked) {
            if (const auto self = weak.lock()) {
                self->post([self = self.get(), revoked] { self->onRevoked(revoked); });
            }
        });
        post([this, weak = std::weak_ptr{client}] { clients_.push_back(weak); });
    }

    void detach(const std::shared_ptr<TokenConsumer>& client) {
        post([this, raw = client.get()] {
            std::erase_if(clients_, [raw](const std::weak_ptr<TokenConsumer>& held) {
                const auto locked = held.lock();
                return !locked || locked.get() == raw;
            });
        });
    }

    void updateToken(std::string token, std::function<void(std::expected<TokenInfo, Error>)> done) {
        if (shut_down_.load()) {
            done(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
            return;
        }
        post([this, token = std::move(token), done = std::move(done)] {
            auto accepted = offer(token);
            done(accepted);
        });
    }

    std::optional<std::string> token() const {
        const std::lock_guard lock{mutex_};
        return current_jwt_;
    }

    std::uint64_t providerCalls() const { return provider_calls_.load(); }

    template <typename Callback>
    Subscription add(std::map<std::uint64_t, Callback> Impl::*list, Callback callback) {
        const std::lock_guard lock{mutex_};
        if (shut_down_.load()) {
            return Subscription{};
        }
        const std::uint64_t id = next_listener_++;
        (this->*list).emplace(id, std::move(callback));
        return Subscription{[weak = weak_from_this(), list, id] {
            if (const auto self = weak.lock()) {
                const std::lock_guard inner{self->mutex_};
                (self.get()->*list).erase(id);
            }
        }};
    }

    std::map<std::uint64_t, std::function<void(const TokenInfo&)>> will_expire_listeners;
    std::map<std::uint64_t, std::function<void(const TokenInfo&)>> expired_listeners;
    std::map<std::uint64_t, std::function<void(const TokenInfo&)>> updated_listeners;
    std::map<std::uint64_t, std::function<void(const Error&)>> error_listeners;

private:
    template <typename Callback, typename... Args>
    void emit(std::map<std::uint64_t, Callback> Impl::*list, const Args&... args) {
        std::vector<Callback> targets;
        {
            const std::lock_guard lock{mutex_};
            for (const auto& [id, callback] : this->*list) {
                targets.push_back(callback);
            }
        }
        for (const auto& callback : targets) {
            callback(args...);
        }
    }
    void emitError(const Error& error) { emit(&Impl::error_listeners, error); }

    // A token from the provider or the app, re-checked against the state now (rule 10): well
    // formed, not expired, the same identity, newer than the current one.
    std::expected<TokenInfo, Error> offer(const std::string& jwt) {
        auto checked = lifecycle_.check(jwt); // invalid grants for another identity, among the rest
        if (!checked) {
            const Error error = errorOf(checked.error());
            emitError(error);
            return std::unexpected(error);
        }
        setCurrent(*checked);
        const TokenInfo accepted = infoOf(*checked);
        emit(&Impl::updated_listeners, accepted);
        push(checked->jwt);
        return accepted;
    }

    void setCurrent(const lifecycle::CheckedToken& token) {
        lifecycle_.setToken(token);
        scheduler_->cancel(renewal_timer_);
        renewal_timer_ = 0;
        backoff_.reset();
        refusals_.clear(); // the verdicts on older tokens are no longer reported
        const std::lock_guard lock{mutex_};
        current_jwt_ = token.jwt;
    }

    void push(const std::string& jwt) {
        std::erase_if(clients_, [](const auto& held) { return held.expired(); });
        for (const auto& held : clients_) {
            if (const auto client = held.lock()) {
                client->acceptToken(
                    jwt, [weak = weak_from_this(), jwt](std::expected<void, Error> result) {
                        const auto self = weak.lock();
                        if (result || !self) {
                            return;
                        }
                        self->post([self = self.get(), error = result.error(), jwt] {
                            self->onRefused(jwt, error);
                        });
                    });
            }
        }
    }

    // Every attached client reports its verdict on a pushed token: the first report of a verdict
    // speaks for all, else the errors and the backoff would grow with the number of clients.
    void onRefused(const std::string& jwt, const Error& error) {
        if (refusals_.emplace(jwt, error.code).second) {
            emitError(error);
            if (error.code == static_cast<int>(token::TokenError::kRevoked)) {
                onRevoked(jwt, /*again=*/true);
            }
        }
    }

    void onWillExpire(const lifecycle::CheckedToken& token) {
        emit(&Impl::will_expire_listeners, infoOf(token));
        if (!options_.provider) {
            return;
        }
        scheduleRenewal(renewalDelay(
            token, scheduler_->clock().now(),
            std::chrono::duration_cast<std::chrono::milliseconds>(options_.about_to_expire_window),
            options_.renewal_spread, random_));
    }

    void onExpired(const lifecycle::CheckedToken& token) {
        emit(&Impl::expired_listeners, infoOf(token));
        if (options_.provider && !stopped_) {
            scheduleRenewal(std::chrono::milliseconds{0}); // keep trying after expiry too
        }
    }

    // A client's token was revoked (4403 or 20120; the client told the app with tokenError 20120).
    // Only the current token's revocation asks the provider, now: a newer one is in hand
    // otherwise. The first report of a token schedules the one call; later ones (other clients,
    // or a client reporting it both ways) change nothing, so the backoff does not grow with them.
    // `again`: the provider's token was itself refused as revoked (issued in the same second as
    // the revocation); the next call waits a backoff.
    void onRevoked(const std::string& revoked, bool again = false) {
        if (options_.provider && !stopped_ && !in_flight_ && lifecycle_.current() &&
            lifecycle_.current()->jwt == revoked && revoked_ != revoked) {
            revoked_ = revoked;
            scheduler_->cancel(renewal_timer_);
            renewal_timer_ = 0;
            scheduleRenewal(again ? backoff_.next() : std::chrono::milliseconds{0});
        }
    }

    void scheduleRenewal(std::chrono::milliseconds delay) {
        if (in_flight_ || stopped_ || renewal_timer_ != 0) {
            return; // single flight: one renewal at a time, one provider call per attempt
        }
        renewal_timer_ = scheduler_->scheduleAt(scheduler_->clock().now() + delay, [this] {
            renewal_timer_ = 0;
            renew();
        });
    }

    void renew() {
        if (in_flight_ || stopped_) {
            return;
        }
        in_flight_ = true;
        ++provider_calls_;
        options_.provider([weak = weak_from_this()](ProviderResult result) {
            if (const auto self = weak.lock()) {
                self->post(
                    [self = self.get(), result = std::move(result)] { self->onProvided(result); });
            }
        });
    }

    void onProvided(const ProviderResult& result) {
        in_flight_ = false;
        if (!result) {
            if (result.error().terminal) {
                stopped_ = true;
                emitError(Error::client(ClientErrorCode::kProviderFailed, result.error().message));
                return;
            }
            retryLater();
            return;
        }
        if (lifecycle_.current() && lifecycle_.current()->jwt == *result) {
            retryLater(); // the provider gave the token we have: not a renewal
            return;
        }
        if (!offer(*result)) {
            retryLater();
        }
    }

    void retryLater() { scheduleRenewal(backoff_.next()); }

    AccessManagerOptions options_;
    std::unique_ptr<OwnThread> own_;
    lifecycle::Scheduler* scheduler_;
    lifecycle::TokenLifecycle lifecycle_;
    lifecycle::Backoff backoff_;
    std::mt19937_64 random_;
    std::atomic<bool> shut_down_{false};
    std::atomic<std::uint64_t> provider_calls_{0};
    mutable std::mutex mutex_; // listeners and current_jwt_
    std::optional<std::string> current_jwt_;
    std::uint64_t next_listener_ = 1;
    // Scheduler thread only.
    std::vector<std::weak_ptr<TokenConsumer>> clients_;
    lifecycle::Scheduler::TimerId renewal_timer_ = 0;
    std::string revoked_;                            // the last token whose revocation was acted on
    std::set<std::pair<std::string, int>> refusals_; // (token, code) verdicts reported
    bool in_flight_ = false;
    bool stopped_ = false;
};

std::shared_ptr<AccessManager> AccessManager::create(const std::string& token,
                                                     AccessManagerOptions options) {
    auto own = std::make_unique<OwnThread>(*options.clock);
    auto impl = std::make_shared<Impl>(std::move(options), nullptr, std::move(own));
    impl->start(token);
    return std::shared_ptr<AccessManager>(new AccessManager(std::move(impl)));
}

std::shared_ptr<AccessManager> AccessManager::create(const std::string& token,
                                                     AccessManagerOptions options,
                                                     lifecycle::Scheduler& scheduler) {
    auto impl = std::make_shared<Impl>(std::move(options), &scheduler, nullptr);
    impl->start(token);
    return std::shared_ptr<AccessManager>(new AccessManager(std::move(impl)));
}

AccessManager::AccessManager(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

AccessManager::~AccessManager() {
    impl_->shutdown();
}

void AccessManager::attach(const std::shared_ptr<TokenConsumer>& client) {
    impl_->attach(client);
}

void AccessManager::detach(const std::shared_ptr<TokenConsumer>& client) {
    impl_->detach(client);
}

std::future<std::expected<TokenInfo, Error>> AccessManager::updateToken(std::string token) {
    auto promise = std::make_shared<std::promise<std::expected<TokenInfo, Error>>>();
    auto future = promise->get_future();
    impl_->updateToken(std::move(token), [promise](std::expected<TokenInfo, Error> result) {
        promise->set_value(std::move(result));
    });
    return future;
}

std::optional<std::string> AccessManager::token() const {
    return impl_->token();
}

std::uint64_t AccessManager::providerCalls() const {
    return impl_->providerCalls();
}

Subscription AccessManager::onTokenWillExpire(std::function<void(const TokenInfo&)> callback) {
    return impl_->add(&Impl::will_expire_listeners, std::move(callback));
}
Subscription AccessManager::onTokenExpired(std::function<void(const TokenInfo&)> callback) {
    return impl_->add(&Impl::expired_listeners, std::move(callback));
}
Subscription AccessManager::onTokenUpdated(std::function<void(const TokenInfo&)> callback) {
    return impl_->add(&Impl::updated_listeners, std::move(callback));
}
Subscription AccessManager::onError(std::function<void(const Error&)> callback) {
    return impl_->add(&Impl::error_listeners, std::move(callback));
}

void AccessManager::shutdown() {
    impl_->shutdown();
}

} // namespace parley::client
