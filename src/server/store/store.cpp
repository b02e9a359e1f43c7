#include "server/store/store.hpp"

namespace parley::server {

std::string_view channelTypeName(ChannelType type) {
    switch (type) {
    case ChannelType::kPublic:
        return "public";
    case ChannelType::kPrivate:
        return "private";
    }
    // Only a value cast from outside the enum lands here; parseChannelType refuses it back.
    return "unknown";
}

std::optional<ChannelType> parseChannelType(std::string_view name) {
    if (name == "public") {
        return ChannelType::kPublic;
    }
    if (name == "private") {
        return ChannelType::kPrivate;
    }
    return std::nullopt;
}

} // namespace parley::server
