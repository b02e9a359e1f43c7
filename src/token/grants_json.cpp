#include "token/grants_json.hpp"

namespace parley::token {
namespace {

void putOptional(nlohmann::ordered_json& object, const char* name,
                 const std::optional<std::string>& value) {
    if (value) {
        object[name] = *value;
    }
}

nlohmann::ordered_json voiceToJson(const VoiceGrant& voice) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    if (voice.incoming) {
        out["incoming"] = {{"allow", voice.incoming->allow}};
    }
    if (voice.outgoing) {
        nlohmann::ordered_json outgoing = nlohmann::ordered_json::object();
        putOptional(outgoing, "application_sid", voice.outgoing->application_sid);
        if (!voice.outgoing->params_json.empty()) {
            outgoing["params"] = nlohmann::ordered_json::parse(voice.outgoing->params_json);
        }
        out["outgoing"] = std::move(outgoing);
    }
    putOptional(out, "push_credential_sid", voice.push_credential_sid);
    putOptional(out, "endpoint_id", voice.endpoint_id);
    return out;
}

} // namespace

nlohmann::ordered_json grantsToJson(const Grants& grants) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["identity"] = grants.identity;
    if (grants.chat) {
        nlohmann::ordered_json chat = nlohmann::ordered_json::object();
        putOptional(chat, "service_sid", grants.chat->service_sid);
        putOptional(chat, "endpoint_id", grants.chat->endpoint_id);
        putOptional(chat, "deployment_role_sid", grants.chat->deployment_role_sid);
        putOptional(chat, "push_credential_sid", grants.chat->push_credential_sid);
        out["chat"] = std::move(chat);
    }
    if (grants.sync) {
        nlohmann::ordered_json sync = nlohmann::ordered_json::object();
        putOptional(sync, "service_sid", grants.sync->service_sid);
        putOptional(sync, "endpoint_id", grants.sync->endpoint_id);
        out["data_sync"] = std::move(sync);
    }
    if (grants.video) {
        nlohmann::ordered_json video = nlohmann::ordered_json::object();
        putOptional(video, "room", grants.video->room);
        out["video"] = std::move(video);
    }
    if (grants.voice) {
        out["voice"] = voiceToJson(*grants.voice);
    }
    for (const auto& [name, json] : grants.other) {
        out[name] = nlohmann::ordered_json::parse(json);
    }
    return out;
}

} // namespace parley::token
