// What `parley chat` does after each connection, before the lines typed meanwhile run: name
// every channel the user can see, find the ones the user is a member of (the first time), show
// what arrived in each since the last message this user saw there (from the state file), and
// restore the current channel.

#include "cli/chat_session.hpp"
#include "protocol/names.hpp"
#include "protocol/objects.hpp"

#include <algorithm>

namespace parley::cli {

namespace {

using json = nlohmann::ordered_json;

// The protocol's largest history page.
constexpr std::size_t kPage = protocol::kMaxHistoryLimit;
// At most this many missed messages are shown per channel: the newest of them (/history shows
// more). One full page.
constexpr std::int64_t kMaxCatchUp = static_cast<std::int64_t>(protocol::kMaxHistoryLimit);
// Public channels are asked for their members to learn whether the user is one; at most this
// many at each start (those in the state file first), so a server with thousands of channels
// costs a bounded number of requests. The user joins the others with /join.
constexpr int kMembershipChecks = 50;

bool isPrivate(const client::Channel& channel) {
    return protocol::parseChannelType(channel.type) == protocol::ChannelType::kPrivate;
}

} // namespace

void ChatSession::resume(bool reconnected) {
    channels_->load(clientIdentity());
    const auto listed = nameChannels();
    if (listed && !membership_known_) {
        findMemberChannels(*listed);
        membership_known_ = true;
    }
    std::vector<std::pair<std::string, CatchUp>> caught_up;
    for (const auto& sid : channels_->memberChannels()) {
        if (control_->stopping()) {
            return;
        }
        caught_up.emplace_back(sid, catchUp(sid));
    }
    if (!reconnected) {
        restoreCurrent();
    }
    reportResumed(caught_up);
    control_->serverReady();
}

std::optional<std::vector<client::Channel>> ChatSession::nameChannels() {
    auto listed = await(client_->listChannels());
    if (!succeeded("channel list", listed)) {
        return std::nullopt;
    }
    for (const auto& channel : **listed) {
        printer_->nameChannel(channel.sid, channel.unique_name);
    }
    return std::move(**listed);
}

void ChatSession::findMemberChannels(const std::vector<client::Channel>& channels) {
    std::vector<const client::Channel*> ordered;
    ordered.reserve(channels.size());
    for (const auto& channel : channels) {
        ordered.push_back(&channel);
    }
    // Those this user has seen before first: the likeliest members.
    std::ranges::stable_partition(ordered, [this](const client::Channel* channel) {
        return channels_->seen(channel->sid).has_value();
    });
    int checks_left = kMembershipChecks;
    for (const auto* channel : ordered) {
        if (isPrivate(*channel)) {
            channels_->setMember(channel->sid, true); // listed only to its members
        } else if (checks_left > 0) {
            --checks_left;
            if (isMember(*channel)) {
                channels_->setMember(channel->sid, true);
            }
        }
    }
}

bool ChatSession::isMember(const client::Channel& channel) {
    auto members = await(client_->members(channel.sid));
    if (!members || !*members) {
        return false;
    }
    const std::string me = clientIdentity();
    return std::ranges::any_of(
        **members, [&me](const client::Member& member) { return member.identity == me; });
}

// Shows what arrived in `sid` after the last index this user saw. Live messages of `sid` wait
// meanwhile and follow, so nothing shows twice or out of order.
ChatSession::CatchUp ChatSession::catchUp(const std::string& sid) {
    channels_->beginCatchUp(sid);
    CatchUp result;
    const auto newest = newestIndex(sid);
    const auto seen = channels_->seen(sid);
    if (newest && !seen) {
        channels_->markSeen(sid, *newest); // first seen here: news start now
    } else if (newest && *seen < *newest) {
        result.missed = *newest - *seen;
        std::int64_t after = std::max(*seen, *newest - kMaxCatchUp);
        // A page may hold fewer than asked (the server bounds a reply in bytes): page on.
        while (after < *newest && !control_->stopping()) {
            auto page =
                await(client_->history(sid, {.before = {}, .after = after, .limit = kPage}));
            if (!page || !*page || (*page)->empty()) {
                break;
            }
            for (const auto& message : **page) {
                result.shown += channels_->caughtUp(message) ? 1 : 0;
            }
            after = (*page)->back().index;
        }
    }
    channels_->endCatchUp(sid);
    return result;
}

// The newest message index of `channel`, -1 when it has none; nullopt when it cannot be read.
std::optional<std::int64_t> ChatSession::newestIndex(const std::string& channel) {
    auto page = await(client_->history(channel, {.before = {}, .after = {}, .limit = 1}));
    if (!page || !*page) {
        return std::nullopt;
    }
    return (*page)->empty() ? -1 : (*page)->back().index;
}

// The channel that was current when this user last ran `parley chat`, if still a member; else the
// first member channel, so a plain line goes somewhere the user can see.
void ChatSession::restoreCurrent() {
    if (!channels_->current().empty()) {
        return; // chosen by a command already
    }
    const auto members = channels_->memberChannels();
    if (members.empty()) {
        return;
    }
    const std::string saved = channels_->savedCurrent();
    channels_->setCurrent(std::ranges::find(members, saved) != members.end() ? saved
                                                                             : members.front());
}

void ChatSession::reportResumed(const std::vector<std::pair<std::string, CatchUp>>& caught_up) {
    json channels = json::array();
    std::string human;
    for (const auto& [sid, counts] : caught_up) {
        const std::string name = printer_->channelName(sid);
        channels.push_back({{"channel", name},
                            {"channel_sid", sid},
                            {"missed", counts.missed},
                            {"shown", counts.shown}});
        human += (human.empty() ? "" : ", ") + name;
        if (counts.missed > 0) {
            human += " (" + std::to_string(counts.missed) + " new" +
                     (counts.shown < counts.missed
                          ? ", the last " + std::to_string(counts.shown) + " shown"
                          : "") +
                     ")";
        }
    }
    const std::string current = channels_->current();
    const std::string current_name = current.empty() ? "" : printer_->channelName(current);
    printer_->commandResult(
        "resumed",
        {{"channels", channels}, {"current", current.empty() ? json(nullptr) : json(current_name)}},
        caught_up.empty() ? "member of no channel yet: /list, /join C"
                          : "member of " + human + "; plain lines go to " +
                                (current.empty() ? "no channel (/join C)" : current_name));
}

} // namespace parley::cli
