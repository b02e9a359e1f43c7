// ChatClient's public face: operations as futures, listeners as lambdas or an interface.

#include "client/chat_client_impl.hpp"
#include "client/url_rotation.hpp"

#include <parley/client/chat_client.hpp>

#include <stdexcept>

namespace parley::client {

namespace {

// A lambda registration is a listener that forwards one event: both styles share one list.
struct LambdaListener final : ChatClientListener {
    std::function<void(const TokenInfo&, bool)> connected;
    std::function<void(ConnectionState)> state_changed;
    std::function<void(const ConnectionError&)> connection_error;
    std::function<void(const TokenInfo&)> about_to_expire;
    std::function<void(const TokenInfo&)> expired;
    std::function<void(const TokenInfo&)> updated;
    std::function<void(const Error&)> token_error;
    std::function<void(const Message&)> message_added;
    std::function<void(const std::string&, const std::string&)> member_joined;
    std::function<void(const std::string&, const std::string&)> member_left;
    std::function<void(const Disconnect&)> disconnected;

    void onConnected(const TokenInfo& token, bool reconnected) override {
        if (connected) {
            connected(token, reconnected);
        }
    }
    void onConnectionStateChanged(ConnectionState state) override {
        if (state_changed) {
            state_changed(state);
        }
    }
    void onConnectionError(const ConnectionError& error) override {
        if (connection_error) {
            connection_error(error);
        }
    }
    void onTokenAboutToExpire(const TokenInfo& token) override {
        if (about_to_expire) {
            about_to_expire(token);
        }
    }
    void onTokenExpired(const TokenInfo& token) override {
        if (expired) {
            expired(token);
        }
    }
    void onTokenUpdated(const TokenInfo& token) override {
        if (updated) {
            updated(token);
        }
    }
    void onTokenError(const Error& error) override {
        if (token_error) {
            token_error(error);
        }
    }
    void onMessageAdded(const Message& message) override {
        if (message_added) {
            message_added(message);
        }
    }
    void onMemberJoined(const std::string& channel, const std::string& identity) override {
        if (member_joined) {
            member_joined(channel, identity);
        }
    }
    void onMemberLeft(const std::string& channel, const std::string& identity) override {
        if (member_left) {
            member_left(channel, identity);
        }
    }
    void onDisconnected(const Disconnect& disconnect) override {
        if (disconnected) {
            disconnected(disconnect);
        }
    }
};

template <typename T>
std::pair<std::shared_ptr<std::promise<Result<T>>>, std::future<Result<T>>> makePromise() {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    return {std::move(promise), std::move(future)};
}

// Runs `operation(core, done)` on the io thread; its outcome fulfils the future (kShutDown when
// the client is shut down first). Arguments travel moved inside `operation`: a body can be 32 KiB.
template <typename T, typename Operation>
std::future<Result<T>> call(ChatClient::Impl& impl, Operation operation) {
    auto [promise, future] = makePromise<T>();
    impl.run(
        [promise, operation = std::move(operation)](ClientCore& core) mutable {
            operation(core, [promise](Result<T> result) { promise->set_value(std::move(result)); });
        },
        [promise] {
            promise->set_value(std::unexpected(Error::client(ClientErrorCode::kShutDown)));
        });
    return std::move(future);
}

template <typename Field>
Subscription subscribe(ChatClient::Impl& impl, Field field, auto callback) {
    auto listener = std::make_shared<LambdaListener>();
    listener.get()->*field = std::move(callback);
    return impl.events().add(std::move(listener));
}

} // namespace

std::shared_ptr<ChatClient> ChatClient::create(std::string token, ChatClientOptions options) {
    // A malformed URL is a configuration error, found before any thread starts.
    auto urls = parseServerUrls(options.urls.empty() ? std::vector<std::string>{options.url}
                                                     : options.urls);
    if (!urls) {
        throw std::invalid_argument("ChatClient: " + urls.error());
    }
    auto listener = std::move(options.listener);
    auto impl = std::make_shared<Impl>(std::move(options), std::move(*urls));
    if (listener) {
        impl->events().add(std::move(listener)).release(); // lives as long as the client
    }
    impl->start(std::move(token));
    return std::shared_ptr<ChatClient>(new ChatClient(std::move(impl)));
}

ChatClient::ChatClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ChatClient::~ChatClient() {
    impl_->shutdown();
}

void ChatClient::shutdown() {
    impl_->shutdown();
}

std::future<Result<TokenInfo>> ChatClient::updateToken(std::string token) {
    return call<TokenInfo>(*impl_, [token = std::move(token)](ClientCore& core, auto done) {
        core.updateToken(token, std::move(done));
    });
}

void ChatClient::setRenewRequest(const RenewRequest& renew) {
    impl_->run([renew](ClientCore& core) { core.setRenewRequest(renew); }, [] {});
}

void ChatClient::acceptToken(std::string token, UpdateDone done) {
    auto finish = [done = std::move(done)](Result<TokenInfo> result) {
        if (result) {
            done({});
        } else {
            done(std::unexpected(result.error()));
        }
    };
    impl_->run(
        [token = std::move(token), finish](ClientCore& core) { core.updateToken(token, finish); },
        [finish] { finish(std::unexpected(Error::client(ClientErrorCode::kShutDown))); });
}

std::future<Result<Channel>> ChatClient::createChannel(std::string unique_name, bool is_private,
                                                       std::string friendly_name,
                                                       std::string attributes_json) {
    return call<Channel>(
        *impl_,
        [unique_name = std::move(unique_name), is_private, friendly_name = std::move(friendly_name),
         attributes_json = std::move(attributes_json)](ClientCore& core, auto done) mutable {
            core.createChannel(std::move(unique_name), is_private, std::move(friendly_name),
                               attributes_json, std::move(done));
        });
}

std::future<Result<std::vector<Channel>>> ChatClient::listChannels() {
    return call<std::vector<Channel>>(
        *impl_, [](ClientCore& core, auto done) { core.listChannels(std::move(done)); });
}

std::future<Result<Channel>> ChatClient::join(std::string channel) {
    return call<Channel>(*impl_,
                         [channel = std::move(channel)](ClientCore& core, auto done) mutable {
                             core.join(std::move(channel), std::move(done));
                         });
}

std::future<Result<Channel>> ChatClient::leave(std::string channel) {
    return call<Channel>(*impl_,
                         [channel = std::move(channel)](ClientCore& core, auto done) mutable {
                             core.leave(std::move(channel), std::move(done));
                         });
}

std::future<Result<std::vector<Member>>> ChatClient::members(std::string channel) {
    return call<std::vector<Member>>(
        *impl_, [channel = std::move(channel)](ClientCore& core, auto done) mutable {
            core.members(std::move(channel), std::move(done));
        });
}

std::future<Result<Channel>> ChatClient::addMember(std::string channel, std::string identity) {
    return call<Channel>(*impl_, [channel = std::move(channel), identity = std::move(identity)](
                                     ClientCore& core, auto done) mutable {
        core.addMember(std::move(channel), std::move(identity), std::move(done));
    });
}

std::future<Result<Message>> ChatClient::send(std::string channel, std::string body,
                                              const std::string& attributes_json) {
    return call<Message>(*impl_, [channel = std::move(channel), body = std::move(body),
                                  attributes_json](ClientCore& core, auto done) mutable {
        core.send(std::move(channel), std::move(body), attributes_json, std::move(done));
    });
}

std::future<Result<std::vector<Message>>> ChatClient::history(std::string channel,
                                                              HistoryQuery query) {
    return call<std::vector<Message>>(
        *impl_, [channel = std::move(channel), query](ClientCore& core, auto done) mutable {
            core.history(std::move(channel), query, std::move(done));
        });
}

std::future<Result<UnixMillis>> ChatClient::ping() {
    return call<UnixMillis>(*impl_,
                            [](ClientCore& core, auto done) { core.ping(std::move(done)); });
}

Subscription ChatClient::onConnected(std::function<void(const TokenInfo&, bool)> callback) {
    return subscribe(*impl_, &LambdaListener::connected, std::move(callback));
}
Subscription ChatClient::onConnectionStateChanged(std::function<void(ConnectionState)> callback) {
    return subscribe(*impl_, &LambdaListener::state_changed, std::move(callback));
}
Subscription ChatClient::onConnectionError(std::function<void(const ConnectionError&)> callback) {
    return subscribe(*impl_, &LambdaListener::connection_error, std::move(callback));
}
Subscription ChatClient::onTokenAboutToExpire(std::function<void(const TokenInfo&)> callback) {
    return subscribe(*impl_, &LambdaListener::about_to_expire, std::move(callback));
}
Subscription ChatClient::onTokenExpired(std::function<void(const TokenInfo&)> callback) {
    return subscribe(*impl_, &LambdaListener::expired, std::move(callback));
}
Subscription ChatClient::onTokenUpdated(std::function<void(const TokenInfo&)> callback) {
    return subscribe(*impl_, &LambdaListener::updated, std::move(callback));
}
Subscription ChatClient::onTokenError(std::function<void(const Error&)> callback) {
    return subscribe(*impl_, &LambdaListener::token_error, std::move(callback));
}
Subscription ChatClient::onMessageAdded(std::function<void(const Message&)> callback) {
    return subscribe(*impl_, &LambdaListener::message_added, std::move(callback));
}
Subscription
ChatClient::onMemberJoined(std::function<void(const std::string&, const std::string&)> callback) {
    return subscribe(*impl_, &LambdaListener::member_joined, std::move(callback));
}
Subscription
ChatClient::onMemberLeft(std::function<void(const std::string&, const std::string&)> callback) {
    return subscribe(*impl_, &LambdaListener::member_left, std::move(callback));
}
Subscription ChatClient::onDisconnected(std::function<void(const Disconnect&)> callback) {
    return subscribe(*impl_, &LambdaListener::disconnected, std::move(callback));
}
Subscription ChatClient::addListener(std::shared_ptr<ChatClientListener> listener) {
    return impl_->events().add(std::move(listener));
}

std::string ChatClient::identity() const {
    return impl_->identity();
}

ChatClientStats ChatClient::stats() const {
    return impl_->stats();
}

} // namespace parley::client
