#pragma once

// What `parley chat` prints: every SDK event as one JSON line (--events-json), or as a readable
// line that shows the token lifecycle ("token expires in 2:59 — renewing").

#include "cli/chat_state.hpp"

#include <parley/client/chat_client_listener.hpp>
#include <parley/token/clock.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace parley::cli {

class ChatPrinter final : public client::ChatClientListener {
public:
    ChatPrinter(std::ostream& out, bool json, bool renews_by_itself, const token::Clock& clock);

    void onConnected(const client::TokenInfo& token, bool reconnected) override;
    void onConnectionStateChanged(client::ConnectionState state) override;
    void onConnectionError(const client::ConnectionError& error) override;
    void onTokenAboutToExpire(const client::TokenInfo& token) override;
    void onTokenExpired(const client::TokenInfo& token) override;
    void onTokenUpdated(const client::TokenInfo& token) override;
    void onTokenError(const client::Error& error) override;
    void onMessageAdded(const client::Message& message) override;
    void onMemberJoined(const std::string& channel_sid, const std::string& identity) override;
    void onMemberLeft(const std::string& channel_sid, const std::string& identity) override;
    void onDisconnected(const client::Disconnect& disconnect) override;

    /// A message, live or (`caught_up`) one that arrived while this user was away.
    void message(const client::Message& message, bool caught_up);

    /// Before the first attempt: where the client connects.
    void connecting(const std::vector<std::string>& urls);
    /// The AccessManager's own error (a provider that failed for good, a client that refused).
    void managerError(const client::Error& error);
    /// --token-command gave no usable token (`reason`); it runs again after `retry_in`.
    void tokenRetry(const std::string& reason, std::chrono::milliseconds retry_in);
    /// --token-command exited 77: no token for this user any more.
    void tokenCommandFailed(const std::string& message);
    /// The state file could not be read (it is replaced) or written.
    void stateFileError(const std::string& path, const StateFileFailure& failure);
    /// A command's outcome: JSON `{"event":"<kind>",...}` or the human text.
    void commandResult(const std::string& kind, const nlohmann::ordered_json& fields,
                       const std::string& human);
    void commandError(const std::string& command, const client::Error& error);

    /// The user has left: nothing the client reports after this (a retry, its shutdown) is
    /// printed, so the last word is the session's, not a "trying again" that will not happen.
    void close();

    /// Remembers a channel's unique name, so messages name the channel as the user typed it.
    void nameChannel(const std::string& sid, const std::string& unique_name);
    /// The unique name, or the SID itself when it has none yet.
    std::string channelName(const std::string& sid);
    bool hasName(const std::string& sid);

private:
    void emit(const nlohmann::ordered_json& event, const std::string& human);
    std::string left(const client::TokenInfo& token) const;

    std::ostream* out_;
    bool json_;
    bool renews_by_itself_;
    const token::Clock* clock_;
    std::mutex mutex_;
    bool closed_ = false; // under mutex_
    std::map<std::string, std::string> channel_names_;
};

} // namespace parley::cli
