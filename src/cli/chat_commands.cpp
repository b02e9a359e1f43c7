// The commands of `parley chat`, one SDK call (or a few) each.

#include "cli/chat_session.hpp"
#include "protocol/codes.hpp"
#include "protocol/objects.hpp"

#include <array>
#include <sstream>

namespace parley::cli {

namespace {

using json = nlohmann::ordered_json;

struct Usage {
    std::string_view command;
    std::string_view arguments;
    std::string_view what;
};

constexpr std::array kCommands{
    Usage{"/join", "C", "join C (created as a public channel if missing); C becomes current"},
    Usage{"/leave", "C", "leave C"},
    Usage{"/create", "C [private]", "create C (public unless private) and make it current"},
    Usage{"/add", "C IDENTITY", "add IDENTITY to C (how anyone gets into a private channel)"},
    Usage{"/list", "", "the channels you can see, and which you are in"},
    Usage{"/members", "C", "who is in C"},
    Usage{"/send", "C TEXT", "send TEXT to C"},
    Usage{"/history", "C [N]", "the last N messages of C (default 50)"},
    Usage{"/update-token", "JWT", "use JWT from now on"},
    Usage{"/help", "", "this list"},
    Usage{"/quit", "", "leave"},
};

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

client::Error errorOf(protocol::ErrorCode code, std::string message) {
    return client::Error{.code = static_cast<int>(code), .message = std::move(message)};
}

std::string usageOf(std::string_view command) {
    for (const auto& usage : kCommands) {
        if (usage.command == command) {
            return "usage: " + std::string{usage.command} +
                   (usage.arguments.empty() ? "" : " " + std::string{usage.arguments});
        }
    }
    return "unknown command; /help lists them";
}

} // namespace

client::Error ChatSession::noReply() {
    return client::Error::client(client::ClientErrorCode::kConnectionLost,
                                 "no reply within " + std::to_string(kReplyTimeout.count()) + " s");
}

void ChatSession::execute(const std::string& line) {
    if (line.empty()) {
        return;
    }
    if (line[0] != '/') {
        sendToCurrent(line);
        return;
    }
    const auto [command, rest] = splitWord(line);
    if (executeChannelCommand(command, rest)) {
        return;
    }
    if (command == "/history" && !rest.empty()) {
        history(rest);
    } else if (command == "/update-token" && !splitWord(rest).first.empty()) {
        updateToken(splitWord(rest).first);
    } else if (command == "/help") {
        help();
    } else {
        printer_->commandError(command, errorOf(protocol::ErrorCode::kUnknownOp, usageOf(command)));
    }
}

// The commands on channels; false when `command` is none of them or lacks its arguments.
bool ChatSession::executeChannelCommand(const std::string& command, const std::string& rest) {
    const auto [first, more] = splitWord(rest);
    if (command == "/list") {
        list();
        return true;
    }
    if (first.empty()) {
        return false;
    }
    if (command == "/join") {
        join(first);
    } else if (command == "/leave") {
        leaveChannel(first);
    } else if (command == "/members") {
        members(first);
    } else if (command == "/create") {
        create(rest);
    } else if (command == "/add" && !splitWord(more).first.empty()) {
        add(rest);
    } else if (command == "/send" && !more.empty()) {
        send(first, more);
    } else {
        return false;
    }
    return true;
}

void ChatSession::help() {
    json commands = json::array();
    std::string human = "commands:";
    for (const auto& usage : kCommands) {
        const std::string synopsis = std::string{usage.command} +
                                     (usage.arguments.empty() ? "" : " ") +
                                     std::string{usage.arguments};
        commands.push_back({{"command", synopsis}, {"what", usage.what}});
        human += "\n  " + synopsis +
                 std::string(synopsis.size() < 24 ? 24 - synopsis.size() : 1, ' ') +
                 std::string{usage.what};
    }
    human += "\n  a plain line goes to the current channel";
    printer_->commandResult("help", {{"commands", commands}}, human);
}

void ChatSession::join(const std::string& channel) {
    const auto newest_before = newestIndex(channel);
    auto joined = await(client_->join(channel));
    bool created = false;
    if (joined && !*joined &&
        joined->error().code == static_cast<int>(protocol::ErrorCode::kChannelNotFound)) {
        // Not found: create it, public.
        joined = await(client_->createChannel(channel));
        created = true;
        if (joined && !*joined &&
            joined->error().code == static_cast<int>(protocol::ErrorCode::kUniqueNameTaken)) {
            joined = await(client_->join(channel)); // created meanwhile by someone else
            created = false;
        }
    }
    if (!succeeded("/join", joined)) {
        return;
    }
    const client::Channel& result = **joined;
    becomeMember(result, created ? std::optional<std::int64_t>{-1} : newest_before);
    printer_->commandResult("joined",
                            {{"channel", result.unique_name}, {"channel_sid", result.sid}},
                            "joined " + result.unique_name);
}

// `channel` is now a member channel and the current one. `newest_before` (the newest index
// before joining) is where its news start, unless something of it was shown already.
void ChatSession::becomeMember(const client::Channel& channel,
                               std::optional<std::int64_t> newest_before) {
    printer_->nameChannel(channel.sid, channel.unique_name);
    channels_->setMember(channel.sid, true);
    if (newest_before) {
        channels_->markSeen(channel.sid, *newest_before);
    }
    channels_->setCurrent(channel.sid);
}

void ChatSession::leaveChannel(const std::string& channel) {
    auto left = await(client_->leave(channel));
    if (!succeeded("/leave", left)) {
        return;
    }
    channels_->forget((*left)->sid);
    printer_->commandResult("left", {{"channel", (*left)->unique_name}},
                            "left " + (*left)->unique_name);
}

void ChatSession::create(const std::string& arguments) {
    const auto [name, kind] = splitWord(arguments);
    const std::string type_name = splitWord(kind).first;
    const auto type = type_name.empty() ? std::optional{protocol::ChannelType::kPublic}
                                        : protocol::parseChannelType(type_name);
    if (!type) {
        printer_->commandError("/create", errorOf(protocol::ErrorCode::kInvalidArgument,
                                                  "usage: /create C [private]"));
        return;
    }
    auto created = await(client_->createChannel(name, *type == protocol::ChannelType::kPrivate));
    if (!succeeded("/create", created)) {
        return;
    }
    const client::Channel& channel = **created;
    becomeMember(channel, -1); // brand new: everything in it is news
    printer_->commandResult(
        "created",
        {{"channel", channel.unique_name}, {"channel_sid", channel.sid}, {"type", channel.type}},
        "created " + channel.unique_name + " (" + channel.type + ")");
}

void ChatSession::add(const std::string& arguments) {
    const auto [channel, rest] = splitWord(arguments);
    const std::string identity = splitWord(rest).first;
    auto added = await(client_->addMember(channel, identity));
    if (!succeeded("/add", added)) {
        return;
    }
    printer_->commandResult("added", {{"channel", (*added)->unique_name}, {"identity", identity}},
                            "added " + identity + " to " + (*added)->unique_name);
}

void ChatSession::list() {
    auto listed = await(client_->listChannels());
    if (!succeeded("/list", listed)) {
        return;
    }
    json channels = json::array();
    std::string human = "channels (" + std::to_string((*listed)->size()) + "):";
    for (const auto& channel : **listed) {
        printer_->nameChannel(channel.sid, channel.unique_name);
        const bool member = channels_->isMember(channel.sid);
        channels.push_back({{"channel", channel.unique_name},
                            {"channel_sid", channel.sid},
                            {"type", channel.type},
                            {"friendly_name", channel.friendly_name},
                            {"member", member}});
        human +=
            "\n  " + channel.unique_name + " (" + channel.type + (member ? ", member" : "") + ")";
    }
    printer_->commandResult("list", {{"channels", channels}}, human);
}

void ChatSession::members(const std::string& channel) {
    auto found = await(client_->members(channel));
    if (!succeeded("/members", found)) {
        return;
    }
    json members = json::array();
    std::string names;
    for (const auto& member : **found) {
        members.push_back({{"identity", member.identity},
                           {"joined_at", member.joined_at.time_since_epoch().count()}});
        names += (names.empty() ? "" : ", ") + member.identity;
    }
    printer_->commandResult("members", {{"channel", channel}, {"members", members}},
                            "members of " + channel + " (" + std::to_string((*found)->size()) +
                                "): " + names);
}

void ChatSession::sendToCurrent(const std::string& body) {
    const std::string current = channels_->current();
    if (current.empty()) {
        printer_->commandError("send", errorOf(protocol::ErrorCode::kInvalidArgument,
                                               "join a channel first: /join C (/list shows them)"));
        return;
    }
    send(current, body);
}

void ChatSession::send(const std::string& channel, const std::string& body) {
    auto sent = await(client_->send(channel, body));
    (void)succeeded("/send", sent);
    // Success shows as the messageAdded event, like everyone else's messages.
}

void ChatSession::history(const std::string& arguments) {
    const auto [channel, count] = splitWord(arguments);
    std::size_t limit = 50;
    if (!count.empty()) {
        try {
            limit = static_cast<std::size_t>(std::stoul(count));
        } catch (const std::exception&) {
            printer_->commandError(
                "/history", errorOf(protocol::ErrorCode::kInvalidArgument, "N must be a number"));
            return;
        }
    }
    auto page = await(client_->history(channel, {.before = {}, .after = {}, .limit = limit}));
    if (!succeeded("/history", page)) {
        return;
    }
    json messages = json::array();
    std::ostringstream human;
    human << "history of " << channel << " (" << (*page)->size() << ")";
    for (const auto& message : **page) {
        messages.push_back(
            {{"index", message.index}, {"author", message.author}, {"body", message.body}});
        human << "\n  #" << message.index << " " << message.author << ": " << message.body;
    }
    printer_->commandResult("history", {{"channel", channel}, {"messages", messages}}, human.str());
}

void ChatSession::updateToken(const std::string& token) {
    auto updated = await(client_->updateToken(token));
    if (!updated && !control_->stopping()) {
        printer_->commandError("/update-token", noReply());
    }
    // Success and failure show as tokenUpdated / tokenError events.
}

} // namespace parley::cli
