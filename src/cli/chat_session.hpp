#pragma once

// The command loop of `parley chat`: stdin lines into SDK calls, and the decision to end (end of
// input, /quit, or a token the client can no longer use).

#include "cli/chat_printer.hpp"

#include <parley/client/chat_client.hpp>

#include <condition_variable>
#include <deque>
#include <istream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace parley::cli {

class ChatSession {
public:
    ChatSession(std::shared_ptr<ChatPrinter> printer, bool renews_by_itself);

    /// Prints every event and watches for the end; pass it as ChatClientOptions::listener.
    std::shared_ptr<client::ChatClientListener> listener();
    /// The AccessManager gave up (a terminal provider failure).
    void onManagerError(const client::Error& error);

    /// Reads commands until end of input, /quit, or the token's end; the exit status.
    int run(client::ChatClient& client, std::istream& input);

private:
    class Watcher;
    void endWith(int status, const std::string& why);
    void execute(client::ChatClient& client, const std::string& line);
    void join(client::ChatClient& client, const std::string& channel);
    void history(client::ChatClient& client, const std::string& arguments);
    void send(client::ChatClient& client, const std::string& channel, const std::string& body);
    void updateToken(client::ChatClient& client, const std::string& token);

    std::shared_ptr<ChatPrinter> printer_;
    bool renews_by_itself_;
    std::string current_channel_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> lines_;
    bool input_ended_ = false;
    std::optional<int> end_status_;
    std::string end_reason_;
};

} // namespace parley::cli
