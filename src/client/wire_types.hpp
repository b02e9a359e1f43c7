#pragma once

// The protocol's JSON objects (docs/protocol.md) read into the SDK's types. Every reader checks
// types and fails with kBadReply instead of throwing: the bytes came from the network.

#include <parley/client/error.hpp>
#include <parley/client/types.hpp>

#include <nlohmann/json.hpp>

#include <expected>
#include <vector>

namespace parley::client {

std::expected<Channel, Error> readChannel(const nlohmann::json& json);
std::expected<Message, Error> readMessage(const nlohmann::json& json);
std::expected<Member, Error> readMember(const nlohmann::json& json);

/// `reply[field]` as an array of T.
template <typename T, typename Reader>
std::expected<std::vector<T>, Error> readArray(const nlohmann::json& reply, const char* field,
                                               Reader read) {
    const auto found = reply.find(field);
    if (found == reply.end() || !found->is_array()) {
        return std::unexpected(Error::client(ClientErrorCode::kBadReply,
                                             std::string{"the reply has no array "} + field));
    }
    std::vector<T> out;
    out.reserve(found->size());
    for (const auto& item : *found) {
        auto value = read(item);
        if (!value) {
            return std::unexpected(value.error());
        }
        out.push_back(std::move(*value));
    }
    return out;
}

} // namespace parley::client
