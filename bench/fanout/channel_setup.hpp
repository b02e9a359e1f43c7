#pragma once

// Builds the fan-out channel before the members connect: an admin identity creates it and adds
// every member with `channel.add_member`, then disconnects. Adding members that are not connected
// yet sends each `member_joined` to the admin alone; had every member joined on its own
// connection, each join would reach everyone already in, S²/2 events before the first message.
//
// Threading: start() runs on the io_context's thread; result() may be waited on from any thread.

#include "chat_socket.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <future>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

class ChannelSetup {
public:
    ChannelSetup(boost::asio::io_context& io, const Endpoint& server, std::string admin_token,
                 std::string unique_name, std::vector<std::string> members);

    /// Connects, creates the channel and adds the members, keeping `window` requests in flight.
    void start(std::size_t window);
    /// The channel's SID once every member is in, or what failed.
    std::future<std::expected<std::string, std::string>> result() { return result_.get_future(); }
    /// Closes the admin's connection (on the io thread).
    void close() { socket_.close(); }

private:
    static constexpr std::uint64_t kInitId = 1;
    static constexpr std::uint64_t kCreateId = 2;
    static constexpr std::uint64_t kFirstAddId = 3;

    void onFrame(std::string_view text);
    void addNextMember();
    void finish(std::expected<std::string, std::string> outcome);

    PlainChatSocket socket_;
    simdjson::dom::parser parser_;
    std::string admin_token_;
    std::string unique_name_;
    std::vector<std::string> members_;
    std::size_t next_member_ = 0;
    std::size_t added_ = 0;
    std::size_t window_ = 1;
    std::string channel_sid_;
    bool finished_ = false;
    std::promise<std::expected<std::string, std::string>> result_;
};

} // namespace parley::bench
