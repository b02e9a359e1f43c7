#pragma once

// The command loop of `parley chat`: stdin lines into SDK calls, the catch-up after each
// connection (the user's channels, their names, and what arrived while the user was away), and
// the decision to end (end of input, /quit, or a token the client can no longer use).
//
// Threading: run() and every command run on the calling thread; the listener's events come on
// the SDK's callback thread and reach the command loop through the ChatControl.

#include "cli/chat_channels.hpp"
#include "cli/chat_control.hpp"
#include "cli/chat_printer.hpp"
#include "cli/chat_token_retry.hpp"

#include <parley/client/chat_client.hpp>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parley::cli {

class ChatSession {
public:
    /// `retry` is null without --token-command (then a refused or expired token ends the
    /// program with 1).
    ChatSession(ChatControl& control, std::shared_ptr<ChatPrinter> printer,
                std::shared_ptr<ChatChannels> channels, TokenRetry* retry);

    /// Prints every event and watches for the end; pass it as ChatClientOptions::listener.
    std::shared_ptr<client::ChatClientListener> listener();
    /// The AccessManager gave up (a terminal provider failure).
    void onManagerError(const client::Error& error);

    /// Runs commands until end of input, /quit, or the token's end; the exit status.
    int run(const std::shared_ptr<client::ChatClient>& client);

private:
    class Watcher;
    struct CatchUp {
        std::int64_t missed = 0;
        std::int64_t shown = 0;
    };

    int leave(const ChatControl::Leave& leaving);
    /// The identity of the client's token (any thread).
    std::string clientIdentity();
    void execute(const std::string& line);
    bool executeChannelCommand(const std::string& command, const std::string& rest);
    void help();
    void join(const std::string& channel);
    void leaveChannel(const std::string& channel);
    void create(const std::string& arguments);
    void add(const std::string& arguments);
    void list();
    void members(const std::string& channel);
    void history(const std::string& arguments);
    void send(const std::string& channel, const std::string& body);
    void sendToCurrent(const std::string& body);
    void updateToken(const std::string& token);
    void becomeMember(const client::Channel& channel, std::optional<std::int64_t> newest_before);

    // After each connection (chat_resume.cpp).
    void resume(bool reconnected);
    std::optional<std::vector<client::Channel>> nameChannels();
    void findMemberChannels(const std::vector<client::Channel>& channels);
    bool isMember(const client::Channel& channel);
    CatchUp catchUp(const std::string& sid);
    std::optional<std::int64_t> newestIndex(const std::string& sid);
    void restoreCurrent();
    void reportResumed(const std::vector<std::pair<std::string, CatchUp>>& caught_up);
    /// Names `sid` from channel.list if it has no name yet (SDK callback thread).
    void ensureNamed(const std::string& sid);

    // A command's reply normally takes milliseconds; this bounds the wait when the server is
    // gone (a /quit or the end cuts it short).
    static constexpr std::chrono::seconds kReplyTimeout{30};
    template <typename T> std::optional<T> await(std::future<T> future) {
        return control_->await(std::move(future), kReplyTimeout);
    }
    /// Whether `result` holds a value; reports the failure otherwise (not when leaving: a wait
    /// cut short by /quit is no failure of the command).
    template <typename T>
    bool succeeded(const std::string& command, const std::optional<client::Result<T>>& result) {
        if (result && *result) {
            return true;
        }
        if (result) {
            printer_->commandError(command, result->error());
        } else if (!control_->stopping()) {
            printer_->commandError(command, noReply());
        }
        return false;
    }
    static client::Error noReply();

    ChatControl* control_;
    std::shared_ptr<ChatPrinter> printer_;
    std::shared_ptr<ChatChannels> channels_;
    TokenRetry* retry_;
    std::shared_ptr<client::ChatClient> client_;
    std::weak_ptr<Watcher> watcher_;
    bool membership_known_ = false; // the command loop's only
    std::mutex naming_mutex_;
    std::set<std::string> looked_up_; // SIDs channel.list was asked about, under naming_mutex_
};

} // namespace parley::cli
