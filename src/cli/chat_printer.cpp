#include "cli/chat_printer.hpp"

#include <array>
#include <cstdio>
#include <string_view>

namespace parley::cli {

using json = nlohmann::ordered_json;

namespace {

std::int64_t unixSeconds(client::UnixSeconds time) {
    return time.time_since_epoch().count();
}

// "2:59" (minutes:seconds) or "1:02:03"; what a person reads at a glance.
std::string clockText(std::chrono::seconds left) {
    const auto total = std::max<std::int64_t>(left.count(), 0);
    std::array<char, 32> text{};
    if (total >= 3600) {
        std::snprintf(
            text.data(), text.size(), "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
            static_cast<long long>(total % 3600 / 60), static_cast<long long>(total % 60));
    } else {
        std::snprintf(text.data(), text.size(), "%lld:%02lld", static_cast<long long>(total / 60),
                      static_cast<long long>(total % 60));
    }
    return text.data();
}

// "1.2 s": a backoff delay as a person reads it.
std::string secondsText(std::chrono::milliseconds delay) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f s", static_cast<double>(delay.count()) / 1000.0);
    return text.data();
}

std::string_view stateFileErrorName(StateFileError code) {
    switch (code) {
    case StateFileError::kTooLarge:
        return "too_large";
    case StateFileError::kNotJson:
        return "not_json";
    case StateFileError::kBadShape:
        return "bad_shape";
    case StateFileError::kIo:
        return "io";
    }
    return "io";
}

} // namespace

ChatPrinter::ChatPrinter(std::ostream& out, bool json_lines, bool renews_by_itself,
                         const token::Clock& clock)
    : out_(&out), json_(json_lines), renews_by_itself_(renews_by_itself), clock_(&clock) {}

std::string ChatPrinter::left(const client::TokenInfo& token) const {
    return clockText(std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::time_point_cast<std::chrono::milliseconds>(token.expires_at) - clock_->now()));
}

void ChatPrinter::close() {
    const std::lock_guard lock{mutex_};
    closed_ = true;
}

void ChatPrinter::emit(const json& event, const std::string& human) {
    const std::lock_guard lock{mutex_};
    if (closed_) {
        return;
    }
    if (json_) {
        *out_ << event.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    } else {
        *out_ << human << '\n';
    }
    out_->flush();
}

void ChatPrinter::onConnected(const client::TokenInfo& token, bool reconnected) {
    emit({{"event", "connected"},
          {"identity", token.identity},
          {"expires_at", unixSeconds(token.expires_at)},
          {"reconnected", reconnected}},
         (reconnected ? "reconnected as " : "connected as ") + token.identity +
             " (token expires in " + left(token) + ")");
}

void ChatPrinter::onConnectionStateChanged(client::ConnectionState state) {
    const std::string name{client::toString(state)};
    emit({{"event", "connectionStateChanged"}, {"state", name}}, "connection: " + name);
}

void ChatPrinter::onConnectionError(const client::ConnectionError& error) {
    json event{
        {"event", "connectionError"},       {"cause", std::string{client::toString(error.cause)}},
        {"message", error.message},         {"url", error.url},
        {"http_status", error.http_status}, {"attempt", error.attempt},
        {"will_retry", error.will_retry},   {"retry_in_ms", error.retry_in.count()}};
    const std::string retry = error.retry_in.count() == 0
                                  ? "; trying again now"
                                  : "; trying again in " + secondsText(error.retry_in);
    emit(event, "cannot connect (attempt " + std::to_string(error.attempt) + ", " + error.url +
                    "): " + error.message +
                    (error.will_retry ? retry : "; waiting for a new token"));
}

void ChatPrinter::onTokenAboutToExpire(const client::TokenInfo& token) {
    emit({{"event", "tokenAboutToExpire"}, {"expires_at", unixSeconds(token.expires_at)}},
         "token expires in " + left(token) +
             (renews_by_itself_ ? " — renewing" : " — renew it with /update-token JWT"));
}

void ChatPrinter::onTokenExpired(const client::TokenInfo& token) {
    emit({{"event", "tokenExpired"}, {"expires_at", unixSeconds(token.expires_at)}},
         "token expired");
}

void ChatPrinter::onTokenUpdated(const client::TokenInfo& token) {
    emit({{"event", "tokenUpdated"}, {"expires_at", unixSeconds(token.expires_at)}},
         "token updated: expires in " + left(token));
}

void ChatPrinter::onTokenError(const client::Error& error) {
    emit({{"event", "tokenError"}, {"code", error.code}, {"message", error.message}},
         "token error " + std::to_string(error.code) + ": " + error.message);
}

void ChatPrinter::onMessageAdded(const client::Message& added) {
    message(added, /*caught_up=*/false);
}

void ChatPrinter::message(const client::Message& message, bool caught_up) {
    const std::string channel = channelName(message.channel);
    json event{{"event", "messageAdded"},        {"channel", channel},
               {"channel_sid", message.channel}, {"index", message.index},
               {"author", message.author},       {"body", message.body}};
    if (caught_up) {
        event["caught_up"] = true;
    }
    emit(event, "[" + channel + " #" + std::to_string(message.index) + "] " + message.author +
                    ": " + message.body);
}

void ChatPrinter::onMemberJoined(const std::string& channel_sid, const std::string& identity) {
    const std::string channel = channelName(channel_sid);
    emit({{"event", "memberJoined"}, {"channel", channel}, {"identity", identity}},
         "[" + channel + "] " + identity + " joined");
}

void ChatPrinter::onMemberLeft(const std::string& channel_sid, const std::string& identity) {
    const std::string channel = channelName(channel_sid);
    emit({{"event", "memberLeft"}, {"channel", channel}, {"identity", identity}},
         "[" + channel + "] " + identity + " left");
}

void ChatPrinter::onDisconnected(const client::Disconnect& disconnect) {
    emit({{"event", "disconnected"},
          {"close_code", disconnect.close_code},
          {"reason", disconnect.reason},
          {"will_reconnect", disconnect.will_reconnect}},
         "disconnected" +
             (disconnect.close_code != 0
                  ? " (" + std::to_string(disconnect.close_code) + " " + disconnect.reason + ")"
                  : " (" + disconnect.reason + ")") +
             (disconnect.will_reconnect ? "; reconnecting" : "; waiting for a new token"));
}

void ChatPrinter::connecting(const std::vector<std::string>& urls) {
    std::string list;
    for (const auto& url : urls) {
        list += (list.empty() ? "" : " or ") + url;
    }
    emit({{"event", "connecting"}, {"url", urls.empty() ? "" : urls.front()}, {"urls", urls}},
         "connecting to " + list + " …");
}

void ChatPrinter::tokenRetry(const std::string& reason, std::chrono::milliseconds retry_in) {
    emit({{"event", "tokenRetry"}, {"reason", reason}, {"retry_in_ms", retry_in.count()}},
         "token: " + reason + "; running --token-command again in " + secondsText(retry_in));
}

void ChatPrinter::tokenCommandFailed(const std::string& message) {
    emit({{"event", "tokenCommandFailed"}, {"message", message}},
         "token: " + message + " (the user may no longer have a token)");
}

void ChatPrinter::stateFileError(const std::string& path, const StateFileFailure& failure) {
    const bool unreadable = failure.code != StateFileError::kIo;
    emit({{"event", "stateFileError"},
          {"path", path},
          {"code", stateFileErrorName(failure.code)},
          {"message", failure.message}},
         "state file " + path + ": " + failure.message +
             (unreadable ? "; starting afresh (it will be replaced)" : ""));
}

void ChatPrinter::managerError(const client::Error& error) {
    emit({{"event", "accessManagerError"}, {"code", error.code}, {"message", error.message}},
         "token renewal: error " + std::to_string(error.code) + ": " + error.message);
}

void ChatPrinter::commandResult(const std::string& kind, const json& fields,
                                const std::string& human) {
    json event{{"event", kind}};
    // `{}` as an argument is JSON null, not an empty object: nothing to add then.
    if (fields.is_object()) {
        event.update(fields);
    }
    emit(event, human);
}

void ChatPrinter::commandError(const std::string& command, const client::Error& error) {
    emit({{"event", "commandError"},
          {"command", command},
          {"code", error.code},
          {"message", error.message}},
         command + " failed: " + std::to_string(error.code) + " " + error.message);
}

void ChatPrinter::nameChannel(const std::string& sid, const std::string& unique_name) {
    const std::lock_guard lock{mutex_};
    channel_names_[sid] = unique_name;
}

std::string ChatPrinter::channelName(const std::string& sid) {
    const std::lock_guard lock{mutex_};
    const auto found = channel_names_.find(sid);
    return found == channel_names_.end() ? sid : found->second;
}

bool ChatPrinter::hasName(const std::string& sid) {
    const std::lock_guard lock{mutex_};
    return channel_names_.contains(sid);
}

} // namespace parley::cli
