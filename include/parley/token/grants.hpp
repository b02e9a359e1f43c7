#pragma once

// The `grants` claim of an access token, field for field as Twilio's helper libraries write it.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::token {

/// `grants.chat`: access to a chat service.
struct ChatGrant {
    std::optional<std::string> service_sid;
    std::optional<std::string> endpoint_id;
    std::optional<std::string> deployment_role_sid;
    std::optional<std::string> push_credential_sid;

    bool operator==(const ChatGrant&) const = default;
};

/// `grants.data_sync`: access to a sync service.
struct SyncGrant {
    std::optional<std::string> service_sid;
    std::optional<std::string> endpoint_id;

    bool operator==(const SyncGrant&) const = default;
};

/// `grants.video`: access to video rooms, optionally one room only.
struct VideoGrant {
    std::optional<std::string> room;

    bool operator==(const VideoGrant&) const = default;
};

/// `grants.voice`: incoming and outgoing calls.
struct VoiceGrant {
    struct Incoming {
        bool allow = false;
        bool operator==(const Incoming&) const = default;
    };
    struct Outgoing {
        std::optional<std::string> application_sid;
        /// `outgoing.params` as compact JSON (an object), empty when absent.
        std::string params_json;
        bool operator==(const Outgoing&) const = default;
    };

    std::optional<Incoming> incoming;
    std::optional<Outgoing> outgoing;
    std::optional<std::string> push_credential_sid;
    std::optional<std::string> endpoint_id;

    bool operator==(const VoiceGrant&) const = default;
};

/// The grant kinds a service can require.
enum class GrantKind {
    kChat,
    kDataSync,
    kVideo,
    kVoice,
};

/// The claim name of `kind`: "chat", "data_sync", "video" or "voice".
std::string_view grantName(GrantKind kind);

/// Parses a claim name; nullopt for anything else.
std::optional<GrantKind> parseGrantKind(std::string_view name);

/// Everything under `grants`. Grants Parley does not know are kept as raw JSON and ignored.
struct Grants {
    std::string identity;
    std::optional<ChatGrant> chat;
    std::optional<SyncGrant> sync;
    std::optional<VideoGrant> video;
    std::optional<VoiceGrant> voice;
    /// Unknown grants by name, each as compact JSON.
    std::map<std::string, std::string, std::less<>> other;

    bool has(GrantKind kind) const;
    bool operator==(const Grants&) const = default;
};

} // namespace parley::token
