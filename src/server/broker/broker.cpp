#include "server/broker/broker.hpp"

namespace parley::server {

namespace {
constexpr std::string_view kChannelPrefix = "channel:";
constexpr std::string_view kIdentityPrefix = "identity:";
constexpr std::string_view kRevocationTopic = "revocations";
} // namespace

// Prefixes keep the two namespaces apart: an identity may be spelled like a channel SID.
std::string channelTopic(std::string_view channel_sid) {
    return std::string{kChannelPrefix}.append(channel_sid);
}

std::string identityTopic(std::string_view identity) {
    return std::string{kIdentityPrefix}.append(identity);
}

bool isIdentityTopic(std::string_view topic) {
    return topic.starts_with(kIdentityPrefix);
}

// No prefix of its own is needed: channel and identity topics always carry one.
std::string revocationTopic() {
    return std::string{kRevocationTopic};
}

} // namespace parley::server
