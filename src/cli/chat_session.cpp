#include "cli/chat_session.hpp"

#include "protocol/codes.hpp"

#include <iostream>
#include <sstream>
#include <thread>

namespace parley::cli {

namespace {

using namespace std::chrono_literals;

// A command's reply normally takes milliseconds; this bounds the wait when the server is gone.
constexpr auto kReplyTimeout = 30s;
constexpr int kTokenEnded = 1;

template <typename T>
std::optional<client::Result<T>> await(std::future<client::Result<T>> future) {
    if (future.wait_for(kReplyTimeout) != std::future_status::ready) {
        return std::nullopt;
    }
    return future.get();
}

std::pair<std::string, std::string> splitWord(const std::string& text) {
    const auto start = text.find_first_not_of(' ');
    if (start == std::string::npos) {
        return {};
    }
    const auto space = text.find(' ', start);
    if (space == std::string::npos) {
        return {text.substr(start), {}};
    }
    return {text.substr(start, space - start), text.substr(space + 1)};
}

// The server's codes for the same causes, so a script reads one code either way.
int codeOf(protocol::ErrorCode code) {
    return static_cast<int>(code);
}

const client::Error kNoReply =
    client::Error::client(client::ClientErrorCode::kConnectionLost, "no reply within 30 s");

} // namespace

// Forwards every event to the printer, and notices when the client can go no further.
class ChatSession::Watcher final : public client::ChatClientListener {
public:
    explicit Watcher(ChatSession& session) : session_(&session) {}

    void onConnected(const client::TokenInfo& t, bool r) override { printer().onConnected(t, r); }
    void onConnectionStateChanged(client::ConnectionState state) override {
        printer().onConnectionStateChanged(state);
        if (state == client::ConnectionState::kWaitingForToken && !session_->renews_by_itself_) {
            session_->endWith(kTokenEnded, problem_ + "; no --token-command was given to renew it");
        }
    }
    void onTokenAboutToExpire(const client::TokenInfo& t) override {
        printer().onTokenAboutToExpire(t);
    }
    void onTokenExpired(const client::TokenInfo& t) override {
        problem_ = "the token expired";
        printer().onTokenExpired(t);
    }
    void onTokenUpdated(const client::TokenInfo& t) override { printer().onTokenUpdated(t); }
    void onTokenError(const client::Error& e) override {
        problem_ = "the token was refused (" + std::to_string(e.code) + ": " + e.message + ")";
        printer().onTokenError(e);
    }
    void onMessageAdded(const client::Message& m) override { printer().onMessageAdded(m); }
    void onMemberJoined(const std::string& c, const std::string& i) override {
        printer().onMemberJoined(c, i);
    }
    void onMemberLeft(const std::string& c, const std::string& i) override {
        printer().onMemberLeft(c, i);
    }
    void onDisconnected(const client::Disconnect& d) override { printer().onDisconnected(d); }

private:
    ChatPrinter& printer() { return *session_->printer_; }
    ChatSession* session_;
    // Events arrive one at a time on the client's callback thread: no lock needed.
    std::string problem_ = "the token can no longer be used";
};

ChatSession::ChatSession(std::shared_ptr<ChatPrinter> printer, bool renews_by_itself)
    : printer_(std::move(printer)), renews_by_itself_(renews_by_itself) {}

std::shared_ptr<client::ChatClientListener> ChatSession::listener() {
    return std::make_shared<Watcher>(*this);
}

void ChatSession::onManagerError(const client::Error& error) {
    printer_->managerError(error);
    if (error.code == static_cast<int>(client::ClientErrorCode::kProviderFailed)) {
        endWith(kTokenEnded, "the token command failed for good: " + error.message);
    }
}

void ChatSession::endWith(int status, const std::string& why) {
    {
        const std::lock_guard lock{mutex_};
        if (end_status_) {
            return;
        }
        end_status_ = status;
        end_reason_ = why;
    }
    changed_.notify_all();
}

int ChatSession::run(client::ChatClient& client, std::istream& input) {
    // stdin is read on a thread of its own, so the end of the token can interrupt a blocked read.
    std::thread reader{[this, &input] {
        std::string line;
        while (std::getline(input, line)) {
            const std::lock_guard lock{mutex_};
            lines_.push_back(line);
            changed_.notify_all();
        }
        const std::lock_guard lock{mutex_};
        input_ended_ = true;
        changed_.notify_all();
    }};
    reader.detach(); // a read blocked on a terminal cannot be interrupted; the process ends anyway
    for (;;) {
        std::string line;
        {
            std::unique_lock lock{mutex_};
            changed_.wait(lock, [this] { return end_status_ || !lines_.empty() || input_ended_; });
            if (end_status_) {
                std::cerr << "parley chat: " << end_reason_ << '\n';
                return *end_status_;
            }
            if (lines_.empty()) {
                break; // end of input
            }
            line = std::move(lines_.front());
            lines_.pop_front();
        }
        if (line == "/quit") {
            break;
        }
        execute(client, line);
    }
    // Everything the server sent before a ping's reply is printed before we go.
    (void)await(client.ping());
    const std::lock_guard lock{mutex_};
    if (end_status_) {
        std::cerr << "parley chat: " << end_reason_ << '\n';
        return *end_status_;
    }
    return 0;
}

void ChatSession::execute(client::ChatClient& client, const std::string& line) {
    if (line.empty()) {
        return;
    }
    if (line[0] != '/') {
        if (current_channel_.empty()) {
            printer_->commandError(
                "send", client::Error{.code = codeOf(protocol::ErrorCode::kInvalidArgument),
                                      .message = "join a channel first: /join C"});
            return;
        }
        send(client, current_channel_, line);
        return;
    }
    const auto [command, rest] = splitWord(line);
    if (command == "/join" && !rest.empty()) {
        join(client, splitWord(rest).first);
    } else if (command == "/leave" && !rest.empty()) {
        const std::string channel = splitWord(rest).first;
        auto left = await(client.leave(channel));
        if (!left || !*left) {
            printer_->commandError("/leave", left ? left->error() : kNoReply);
            return;
        }
        if (current_channel_ == channel) {
            current_channel_.clear();
        }
        printer_->commandResult("left", {{"channel", channel}}, "left " + channel);
    } else if (command == "/send" && !splitWord(rest).second.empty()) {
        const auto [channel, body] = splitWord(rest);
        send(client, channel, body);
    } else if (command == "/history" && !rest.empty()) {
        history(client, rest);
    } else if (command == "/update-token" && !rest.empty()) {
        updateToken(client, splitWord(rest).first);
    } else if (command == "/help") {
        printer_->commandResult(
            "help", nlohmann::json::object(),
            "/join C, /leave C, /send C TEXT, /history C [N], "
            "/update-token JWT, /quit; a plain line goes to the current channel");
    } else {
        printer_->commandError(command,
                               client::Error{.code = codeOf(protocol::ErrorCode::kUnknownOp),
                                             .message = "unknown or incomplete command; "
                                                        "/help lists them"});
    }
}

void ChatSession::join(client::ChatClient& client, const std::string& channel) {
    auto joined = await(client.join(channel));
    if (joined && !*joined &&
        joined->error().code == codeOf(protocol::ErrorCode::kChannelNotFound)) {
        // Not found: create it, public.
        joined = await(client.createChannel(channel));
        if (joined && !*joined &&
            joined->error().code == codeOf(protocol::ErrorCode::kUniqueNameTaken)) {
            // Created meanwhile by someone else: join theirs.
            joined = await(client.join(channel));
        }
    }
    if (!joined || !*joined) {
        printer_->commandError("/join", joined ? joined->error() : kNoReply);
        return;
    }
    const client::Channel& result = **joined;
    printer_->nameChannel(result.sid, result.unique_name);
    current_channel_ = result.unique_name;
    printer_->commandResult("joined",
                            {{"channel", result.unique_name}, {"channel_sid", result.sid}},
                            "joined " + result.unique_name);
}

void ChatSession::send(client::ChatClient& client, const std::string& channel,
                       const std::string& body) {
    auto sent = await(client.send(channel, body));
    if (!sent || !*sent) {
        printer_->commandError("/send", sent ? sent->error() : kNoReply);
    }
    // Success shows as the messageAdded event, like everyone else's messages.
}

void ChatSession::history(client::ChatClient& client, const std::string& arguments) {
    const auto [channel, count] = splitWord(arguments);
    std::size_t limit = 50;
    if (!count.empty()) {
        try {
            limit = static_cast<std::size_t>(std::stoul(count));
        } catch (const std::exception&) {
            printer_->commandError(
                "/history", client::Error{.code = codeOf(protocol::ErrorCode::kInvalidArgument),
                                          .message = "N must be a number"});
            return;
        }
    }
    auto page = await(client.history(channel, {.before = {}, .after = {}, .limit = limit}));
    if (!page || !*page) {
        printer_->commandError("/history", page ? page->error() : kNoReply);
        return;
    }
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    std::ostringstream human;
    human << "history of " << channel << " (" << (*page)->size() << ")";
    for (const auto& message : **page) {
        messages.push_back(
            {{"index", message.index}, {"author", message.author}, {"body", message.body}});
        human << "\n  #" << message.index << " " << message.author << ": " << message.body;
    }
    printer_->commandResult("history", {{"channel", channel}, {"messages", messages}}, human.str());
}

void ChatSession::updateToken(client::ChatClient& client, const std::string& token) {
    auto updated = await(client.updateToken(token));
    if (!updated) {
        printer_->commandError("/update-token", kNoReply);
    }
    // Success and failure show as tokenUpdated / tokenError events.
}

} // namespace parley::cli
