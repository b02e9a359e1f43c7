// ChatClient's public face: operations as futures, listeners as lambdas or an interface.

#include "client/chat_client_impl.hpp"
#include "client/wire_types.hpp"

#include <parley/client/chat_client.hpp>

#include <stdexcept>

namespace parley::client {

namespace {

// A lambda registration is a listener that forwards one event: both styles share one list.
struct LambdaListener final : ChatClientListener {
    std::function<void(const TokenInfo&, bool)> connected;
    std::function<void(ConnectionState)> state_changed;
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

// Sends `op` and converts a successful reply with `convert` (Json -> Result<T>). The arguments are
// moved along, not copied: a message body may be 32 KiB.
template <typename T, typename Convert>
std::future<Result<T>> call(ChatClient::Impl& impl, std::string&& op, Json&& args,
                            Convert convert) {
    auto [promise, future] = makePromise<T>();
    impl.request(std::move(op), std::move(args), [promise, convert](Result<Json> reply) {
        if (!reply) {
            promise->set_value(std::unexpected(reply.error()));
            return;
        }
        promise->set_value(convert(*reply));
    });
    return std::move(future);
}

Result<Channel> channelOf(const Json& reply) {
    const auto found = reply.find("channel");
    if (found == reply.end()) {
        return std::unexpected(
            Error::client(ClientErrorCode::kBadReply, "the reply has no channel"));
    }
    return readChannel(*found);
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
    auto url = parseWsUrl(options.url);
    if (!url) {
        throw std::invalid_argument("ChatClient: " + url.error());
    }
    auto listener = std::move(options.listener);
    auto impl = std::make_shared<Impl>(std::move(options));
    if (listener) {
        impl->events().add(std::move(listener)).release(); // lives as long as the client
    }
    impl->start(std::move(token), std::move(*url));
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
    auto [promise, future] = makePromise<TokenInfo>();
    impl_->updateToken(std::move(token), [promise](Result<TokenInfo> result) {
        promise->set_value(std::move(result));
    });
    return std::move(future);
}

void ChatClient::acceptToken(std::string token, UpdateDone done) {
    impl_->updateToken(std::move(token), [done = std::move(done)](Result<TokenInfo> result) {
        if (result) {
            done({});
        } else {
            done(std::unexpected(result.error()));
        }
    });
}

std::future<Result<Channel>> ChatClient::createChannel(std::string unique_name, bool is_private,
                                                       std::string friendly_name) {
    Json args{{"unique_name", unique_name}, {"type", is_private ? "private" : "public"}};
    if (!friendly_name.empty()) {
        args["friendly_name"] = std::move(friendly_name);
    }
    auto impl = impl_;
    return call<Channel>(*impl_, "channel.create", std::move(args), [impl](const Json& reply) {
        auto channel = channelOf(reply);
        if (channel) {
            impl->trackJoined(*channel, /*brand_new=*/true);
        }
        return channel;
    });
}

std::future<Result<std::vector<Channel>>> ChatClient::listChannels() {
    return call<std::vector<Channel>>(
        *impl_, "channel.list", Json::object(),
        [](const Json& reply) { return readArray<Channel>(reply, "channels", readChannel); });
}

std::future<Result<Channel>> ChatClient::join(std::string channel) {
    auto impl = impl_;
    return call<Channel>(*impl_, "channel.join", Json{{"channel", channel}},
                         [impl](const Json& reply) {
                             auto joined = channelOf(reply);
                             if (joined) {
                                 impl->trackJoined(*joined, /*brand_new=*/false);
                             }
                             return joined;
                         });
}

std::future<Result<Channel>> ChatClient::leave(std::string channel) {
    auto impl = impl_;
    return call<Channel>(*impl_, "channel.leave", Json{{"channel", channel}},
                         [impl](const Json& reply) {
                             auto left = channelOf(reply);
                             if (left) {
                                 impl->untrack(left->sid);
                             }
                             return left;
                         });
}

std::future<Result<std::vector<Member>>> ChatClient::members(std::string channel) {
    return call<std::vector<Member>>(
        *impl_, "channel.members", Json{{"channel", channel}},
        [](const Json& reply) { return readArray<Member>(reply, "members", readMember); });
}

std::future<Result<Channel>> ChatClient::addMember(std::string channel, std::string identity) {
    return call<Channel>(*impl_, "channel.add_member",
                         Json{{"channel", channel}, {"identity", identity}}, channelOf);
}

std::future<Result<Message>> ChatClient::send(std::string channel, std::string body,
                                              const std::string& attributes_json) {
    Json args{{"channel", std::move(channel)}, {"body", std::move(body)}};
    if (!attributes_json.empty()) {
        auto attributes = Json::parse(attributes_json, nullptr, false);
        if (attributes.is_discarded()) {
            auto [promise, future] = makePromise<Message>();
            promise->set_value(
                std::unexpected(Error{.code = 50104, .message = "attributes is not valid JSON"}));
            return std::move(future);
        }
        args["attributes"] = std::move(attributes);
    }
    return call<Message>(*impl_, "message.send", std::move(args), [](const Json& reply) {
        const auto found = reply.find("message");
        return found == reply.end()
                   ? Result<Message>{std::unexpected(Error::client(ClientErrorCode::kBadReply))}
                   : readMessage(*found);
    });
}

std::future<Result<std::vector<Message>>> ChatClient::history(std::string channel,
                                                              HistoryQuery query) {
    Json args{{"channel", channel}, {"limit", query.limit}};
    if (query.before) {
        args["before"] = *query.before;
    }
    if (query.after) {
        args["after"] = *query.after;
    }
    return call<std::vector<Message>>(
        *impl_, "message.history", std::move(args),
        [](const Json& reply) { return readArray<Message>(reply, "messages", readMessage); });
}

std::future<Result<UnixMillis>> ChatClient::ping() {
    auto [promise, future] = makePromise<UnixMillis>();
    auto impl = impl_;
    impl_->request("ping", Json::object(), [promise, impl](Result<Json> reply) {
        if (!reply) {
            promise->set_value(std::unexpected(reply.error()));
            return;
        }
        const auto server_time = reply->find("server_time");
        Result<UnixMillis> result =
            server_time != reply->end() && server_time->is_number_integer()
                ? Result<UnixMillis>{UnixMillis{
                      std::chrono::milliseconds{server_time->get<std::int64_t>()}}}
                : Result<UnixMillis>{std::unexpected(Error::client(ClientErrorCode::kBadReply))};
        // Through the dispatcher, behind the events already queued.
        impl->events().deliver([promise, result] { promise->set_value(result); });
    });
    return std::move(future);
}

Subscription ChatClient::onConnected(std::function<void(const TokenInfo&, bool)> callback) {
    return subscribe(*impl_, &LambdaListener::connected, std::move(callback));
}
Subscription ChatClient::onConnectionStateChanged(std::function<void(ConnectionState)> callback) {
    return subscribe(*impl_, &LambdaListener::state_changed, std::move(callback));
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
