#include "cli/chat_session.hpp"

#include <parley/token/error.hpp>

#include <iostream>

namespace parley::cli {

namespace {

using namespace std::chrono_literals;

constexpr int kTokenEnded = 1;
constexpr int kLeftUnsent = 3;
// Everything the server sent before a ping's reply is printed before leaving; a connection that
// stopped answering gets this long.
constexpr auto kLeaveFlush = 2s;
// A channel's name is looked up while its first event waits; the SDK's own thread waits, so not
// for long.
constexpr auto kNameLookup = 2s;

} // namespace

// Forwards every event to the printer, and tells the command loop what they mean for it.
class ChatSession::Watcher final : public client::ChatClientListener {
public:
    explicit Watcher(ChatSession& session) : session_(&session) {}

    void onConnected(const client::TokenInfo& token, bool reconnected) override {
        session_->control_->setReachable(true);
        if (session_->retry_ != nullptr) {
            session_->retry_->accepted();
        }
        problem_.clear();
        printer().onConnected(token, reconnected);
        session_->control_->post(
            [session = session_, reconnected] { session->resume(reconnected); });
    }
    void onConnectionStateChanged(client::ConnectionState state) override {
        printer().onConnectionStateChanged(state);
        if (state != client::ConnectionState::kWaitingForToken) {
            return;
        }
        session_->control_->setReachable(false);
        if (session_->retry_ == nullptr) {
            session_->control_->endWith(kTokenEnded,
                                        why() + "; no --token-command was given to renew it");
        }
    }
    void onConnectionError(const client::ConnectionError& error) override {
        // Printed first: the end of input leaves as soon as it learns of the failure, and the
        // printer says nothing once the user has left.
        printer().onConnectionError(error);
        session_->control_->setReachable(false); // a /quit now leaves at once
    }
    void onTokenAboutToExpire(const client::TokenInfo& t) override {
        printer().onTokenAboutToExpire(t);
    }
    void onTokenExpired(const client::TokenInfo& t) override {
        setProblem("the token expired");
        printer().onTokenExpired(t);
    }
    void onTokenUpdated(const client::TokenInfo& t) override {
        if (session_->retry_ != nullptr) {
            session_->retry_->accepted();
        }
        printer().onTokenUpdated(t);
    }
    void onTokenError(const client::Error& e) override {
        setProblem("the token was refused (" + std::to_string(e.code) + ": " + e.message + ")");
        printer().onTokenError(e);
        // A revoked token (closed with 4403, or refused with 20120 at init, the first token
        // too) is replaced by the AccessManager, which the client asks at once and which backs
        // off when the new token is refused as revoked as well: the command need not run twice.
        if (session_->retry_ != nullptr &&
            e.code != static_cast<int>(token::TokenError::kRevoked)) {
            session_->retry_->refused();
        }
    }
    void onMessageAdded(const client::Message& m) override {
        session_->ensureNamed(m.channel);
        session_->channels_->live(m);
    }
    void onMemberJoined(const std::string& c, const std::string& i) override {
        session_->ensureNamed(c);
        if (i == session_->clientIdentity()) {
            session_->channels_->setMember(c, true); // added by someone, or joined elsewhere
        }
        printer().onMemberJoined(c, i);
    }
    void onMemberLeft(const std::string& c, const std::string& i) override {
        session_->ensureNamed(c);
        if (i == session_->clientIdentity()) {
            session_->channels_->forget(c);
        }
        printer().onMemberLeft(c, i);
    }
    void onDisconnected(const client::Disconnect& d) override {
        session_->control_->setReachable(false);
        printer().onDisconnected(d);
    }

    /// Why the client waits for a token (the last token problem it reported).
    std::string why() {
        const std::lock_guard lock{mutex_};
        return problem_.empty() ? "the token can no longer be used" : problem_;
    }

private:
    void setProblem(std::string problem) {
        const std::lock_guard lock{mutex_};
        problem_ = std::move(problem);
    }
    ChatPrinter& printer() { return *session_->printer_; }

    ChatSession* session_;
    std::mutex mutex_; // problem_ is read by the command loop too
    std::string problem_;
};

ChatSession::ChatSession(ChatControl& control, std::shared_ptr<ChatPrinter> printer,
                         std::shared_ptr<ChatChannels> channels, TokenRetry* retry)
    : control_(&control), printer_(std::move(printer)), channels_(std::move(channels)),
      retry_(retry) {}

std::shared_ptr<client::ChatClientListener> ChatSession::listener() {
    auto watcher = std::make_shared<Watcher>(*this);
    watcher_ = watcher;
    return watcher;
}

void ChatSession::onManagerError(const client::Error& error) {
    printer_->managerError(error);
    if (error.code == static_cast<int>(client::ClientErrorCode::kProviderFailed)) {
        control_->endWith(kTokenEnded, "the token command failed for good: " + error.message);
    }
}

std::string ChatSession::clientIdentity() {
    const std::lock_guard lock{naming_mutex_};
    return client_ ? client_->identity() : std::string{};
}

int ChatSession::run(const std::shared_ptr<client::ChatClient>& client) {
    {
        const std::lock_guard lock{naming_mutex_};
        client_ = client;
    }
    for (;;) {
        auto next = control_->next();
        if (auto* end = std::get_if<ChatControl::End>(&next)) {
            std::cerr << "parley chat: " << end->reason << '\n';
            return end->status;
        }
        if (const auto* leaving = std::get_if<ChatControl::Leave>(&next)) {
            return leave(*leaving);
        }
        if (auto* task = std::get_if<ChatControl::Task>(&next)) {
            task->run();
            continue;
        }
        execute(std::get<ChatControl::Line>(next).text);
    }
}

// /quit or the end of input: 0, unless the client is left without a usable token, or lines
// were not sent, or the server was never reached at all.
int ChatSession::leave(const ChatControl::Leave& leaving) {
    const auto stats = client_->stats();
    if (stats.state == client::ConnectionState::kConnected) {
        // Everything the server sent before the ping's reply is printed before we go.
        (void)client_->ping().wait_for(kLeaveFlush);
    }
    // The client still runs until it is shut down after this: a failed attempt it reports now
    // would print "trying again" after the user has gone, or inside the line below.
    printer_->close();
    if (stats.state == client::ConnectionState::kWaitingForToken) {
        const auto watcher = watcher_.lock();
        std::cerr << "parley chat: " + (watcher ? watcher->why() : "no usable token") + '\n';
        return kTokenEnded;
    }
    if (!leaving.reached || leaving.unsent > 0) {
        // Lines wait only for the server, so they are left either because it cannot be reached
        // or because a /quit typed at a terminal came before they were sent.
        std::string line = "parley chat: left ";
        line += leaving.reached ? "" : "before the server was reached";
        if (leaving.unsent > 0) {
            line += (leaving.reached ? "with " : "; ") + std::to_string(leaving.unsent) +
                    (leaving.unsent == 1 ? " line" : " lines") + " not sent";
        }
        std::cerr << line + '\n'; // one write: stderr is unbuffered
        return kLeftUnsent;
    }
    return 0;
}

void ChatSession::ensureNamed(const std::string& sid) {
    std::shared_ptr<client::ChatClient> client;
    {
        const std::lock_guard lock{naming_mutex_};
        if (printer_->hasName(sid) || !looked_up_.insert(sid).second || !client_) {
            return;
        }
        client = client_;
    }
    auto listed = client->listChannels();
    if (listed.wait_for(kNameLookup) != std::future_status::ready) {
        return;
    }
    if (auto channels = listed.get()) {
        for (const auto& channel : *channels) {
            printer_->nameChannel(channel.sid, channel.unique_name);
        }
    }
}

} // namespace parley::cli
