#pragma once

// A Transport for unit tests: no sockets. Each connection records the frames the client sends,
// and the test plays the server through it: open, frames, end. The handlers run on the test's
// thread when the test calls open/receive/end, which is the ManualScheduler's thread, and never
// inside a call of the client, as the Transport contract says.

#include "client/transport.hpp"
#include "protocol/frame.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace parley::client::testing {

class InMemoryConnection final : public Connection {
public:
    InMemoryConnection(WsUrl url, ConnectionHandlers handlers)
        : url_(std::move(url)), handlers_(std::move(handlers)) {}

    void send(std::string text) override {
        if (!ended_ && !close_requested_) {
            sent_.push_back(std::move(text));
        }
    }
    void close() override { close_requested_ = true; }
    void abort() override {
        aborted_ = true;
        handlers_ = {};
    }

    // The server's side.
    void open() { call(handlers_.opened); }
    void receive(const std::string& frame) { call(handlers_.frame, frame); }
    /// The connection could not be opened, for `error`'s cause: failed, then ended.
    void fail(ConnectionError error) {
        if (auto failed = handlers_.failed) {
            failed(std::move(error));
        }
        end(0, "failed");
    }
    /// The connection ends with the server's close code (0: it broke).
    void end(int close_code, const std::string& reason = {}) {
        ended_ = true;
        auto ended = std::exchange(handlers_.ended, {});
        handlers_ = {};
        if (ended) {
            ended(close_code, reason);
        }
    }

    /// The next request the client sent that the test has not taken yet.
    protocol::Request take() {
        if (taken_ == sent_.size()) {
            ADD_FAILURE() << "the client sent no further request";
            return {};
        }
        auto request = protocol::parseRequest(sent_[taken_++]);
        if (!request) {
            ADD_FAILURE() << "the client sent a malformed request: " << request.error().message;
            return {};
        }
        return std::move(*request);
    }
    /// Requests sent and not taken.
    std::size_t unread() const { return sent_.size() - taken_; }
    const std::vector<std::string>& sent() const { return sent_; }
    const WsUrl& url() const { return url_; }
    bool closeRequested() const { return close_requested_; }
    bool aborted() const { return aborted_; }
    bool ended() const { return ended_; }

private:
    template <typename Handler, typename... Args>
    void call(const Handler& handler, Args&&... args) {
        if (ended_ || aborted_) {
            ADD_FAILURE() << "the server side used a connection that had ended";
            return;
        }
        if (handler) {
            handler(std::forward<Args>(args)...);
        }
    }

    WsUrl url_;
    ConnectionHandlers handlers_;
    std::vector<std::string> sent_;
    std::size_t taken_ = 0;
    bool close_requested_ = false;
    bool aborted_ = false;
    bool ended_ = false;
};

class InMemoryTransport final : public Transport {
public:
    std::shared_ptr<Connection> open(const WsUrl& url, ConnectionHandlers handlers) override {
        connections_.push_back(std::make_shared<InMemoryConnection>(url, std::move(handlers)));
        return connections_.back();
    }

    /// Connections opened so far (connect attempts).
    std::size_t opened() const { return connections_.size(); }
    /// Connections neither ended nor aborted: what the client holds.
    std::size_t live() const {
        std::size_t live = 0;
        for (const auto& connection : connections_) {
            live += connection->ended() || connection->aborted() ? 0U : 1U;
        }
        return live;
    }
    /// The newest connection.
    InMemoryConnection& last() { return *connections_.back(); }

private:
    std::vector<std::shared_ptr<InMemoryConnection>> connections_;
};

} // namespace parley::client::testing
