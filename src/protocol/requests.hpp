#pragma once

// The arguments of every op (docs/protocol.md, "Ops"), one struct per op, tied to the op's name
// by its kOp. The client encodes them (encodeRequest), the server decodes them (decodeArgs): a
// renamed op or field is one edit here, and a removed one fails to compile on both sides.

#include "protocol/names.hpp"
#include "protocol/objects.hpp"
#include "protocol/paging.hpp"
#include "protocol/shape_error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace parley::protocol {

struct InitRequest {
    static constexpr std::string_view kOp = op::kInit;
    std::string token;
};

struct UpdateTokenRequest {
    static constexpr std::string_view kOp = op::kUpdateToken;
    std::string token;
};

struct ChannelCreateRequest {
    static constexpr std::string_view kOp = op::kChannelCreate;
    std::string unique_name;                  // at most kMaxChannelNameBytes
    std::optional<std::string> friendly_name; // at most kMaxChannelNameBytes
    ChannelType type = ChannelType::kPublic;
    std::string attributes_json = "{}";
};

struct ChannelListRequest {
    static constexpr std::string_view kOp = op::kChannelList;
    PageArgs page; // page_size, page_token
};

struct ChannelJoinRequest {
    static constexpr std::string_view kOp = op::kChannelJoin;
    std::string channel; // SID or unique name
};

struct ChannelLeaveRequest {
    static constexpr std::string_view kOp = op::kChannelLeave;
    std::string channel;
};

struct ChannelMembersRequest {
    static constexpr std::string_view kOp = op::kChannelMembers;
    std::string channel;
};

struct ChannelAddMemberRequest {
    static constexpr std::string_view kOp = op::kChannelAddMember;
    std::string channel;
    std::string identity;
};

struct MessageSendRequest {
    static constexpr std::string_view kOp = op::kMessageSend;
    std::string channel;
    std::string body;
    std::string attributes_json = "{}";
};

struct MessageHistoryRequest {
    static constexpr std::string_view kOp = op::kMessageHistory;
    std::string channel;
    std::optional<std::int64_t> before;
    std::optional<std::int64_t> after;
    std::optional<std::int64_t> limit;
};

struct PingRequest {
    static constexpr std::string_view kOp = op::kPing;
};

/// The arguments of a request as JSON members (without `id` and `op`).
Json encodeArgs(const InitRequest& request);
Json encodeArgs(const UpdateTokenRequest& request);
Json encodeArgs(const ChannelCreateRequest& request);
Json encodeArgs(const ChannelListRequest& request);
Json encodeArgs(const ChannelJoinRequest& request);
Json encodeArgs(const ChannelLeaveRequest& request);
Json encodeArgs(const ChannelMembersRequest& request);
Json encodeArgs(const ChannelAddMemberRequest& request);
Json encodeArgs(const MessageSendRequest& request);
/// Moves the body (up to 32 KiB) into the JSON instead of copying it.
Json encodeArgs(MessageSendRequest&& request);
Json encodeArgs(const MessageHistoryRequest& request);
Json encodeArgs(const PingRequest& request);

/// `{"id": id, "op": kOp, ...arguments}`, serialized.
std::string encodeRequest(std::uint64_t id, std::string_view op, Json args);
template <typename R> std::string encodeRequest(std::uint64_t id, R&& request) {
    return encodeRequest(id, std::remove_cvref_t<R>::kOp, encodeArgs(std::forward<R>(request)));
}

/// Reads the arguments of op R from a whole request frame; a missing or mistyped argument is a
/// ShapeError naming it (50003), attributes that are not a small object give 50104.
template <typename R> Decoded<R> decodeArgs(const Json& frame);

template <> Decoded<InitRequest> decodeArgs(const Json& frame);
template <> Decoded<UpdateTokenRequest> decodeArgs(const Json& frame);
template <> Decoded<ChannelCreateRequest> decodeArgs(const Json& frame);
template <> Decoded<ChannelListRequest> decodeArgs(const Json& frame);
template <> Decoded<ChannelJoinRequest> decodeArgs(const Json& frame);
template <> Decoded<ChannelLeaveRequest> decodeArgs(const Json& frame);
template <> Decoded<ChannelMembersRequest> decodeArgs(const Json& frame);
template <> Decoded<ChannelAddMemberRequest> decodeArgs(const Json& frame);
template <> Decoded<MessageSendRequest> decodeArgs(const Json& frame);
template <> Decoded<MessageHistoryRequest> decodeArgs(const Json& frame);
template <> Decoded<PingRequest> decodeArgs(const Json& frame);

} // namespace parley::protocol
