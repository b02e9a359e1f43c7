#pragma once

// What the cluster tests do on a node: sign a raw WebSocket client in with a fresh token, and
// join a channel. The deadlines leave room for a node that is busy catching up after a fault.

#include "server_process.hpp"
#include "ws_test_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace parley::testing {

using Client = std::unique_ptr<WsTestClient>;

/// A client of the node on `port`, signed in as `identity` (the failure is reported, not thrown).
inline Client connect(std::uint16_t port, const std::string& identity) {
    using namespace std::chrono_literals;
    auto client = std::make_unique<WsTestClient>(port);
    const auto init = client->request("init", {{"token", mintToken(identity, 600s)}}, 15s);
    EXPECT_EQ(init["ok"], true) << identity << " on port " << port << ": " << init.dump();
    return client;
}

inline void join(WsTestClient& client, const std::string& channel) {
    using namespace std::chrono_literals;
    const auto reply = client.request("channel.join", {{"channel", channel}}, 15s);
    ASSERT_EQ(reply["ok"], true) << reply.dump();
}

} // namespace parley::testing
