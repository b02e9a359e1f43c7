#include <parley/token/grants.hpp>

namespace parley::token {

std::string_view grantName(GrantKind kind) {
    switch (kind) {
    case GrantKind::kChat:
        return "chat";
    case GrantKind::kDataSync:
        return "data_sync";
    case GrantKind::kVideo:
        return "video";
    case GrantKind::kVoice:
        return "voice";
    }
    return "chat";
}

std::optional<GrantKind> parseGrantKind(std::string_view name) {
    for (GrantKind kind :
         {GrantKind::kChat, GrantKind::kDataSync, GrantKind::kVideo, GrantKind::kVoice}) {
        if (name == grantName(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

bool Grants::has(GrantKind kind) const {
    switch (kind) {
    case GrantKind::kChat:
        return chat.has_value();
    case GrantKind::kDataSync:
        return sync.has_value();
    case GrantKind::kVideo:
        return video.has_value();
    case GrantKind::kVoice:
        return voice.has_value();
    }
    return false;
}

} // namespace parley::token
