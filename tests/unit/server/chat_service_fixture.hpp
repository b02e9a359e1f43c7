#pragma once

// The chat service with a real SQLite store, memory broker and hub, and sessions that record
// what reaches them: the fixture of chat_service_test.cpp and chat_service_messages_test.cpp.

#include "broker_barrier.hpp"
#include "protocol/names.hpp"
#include "server/broker/memory_broker.hpp"
#include "server/chat_service.hpp"
#include "server/hub.hpp"
#include "temp_sqlite_store.hpp"

#include <parley/token/api_key.hpp>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley::server::chat_fixture {

using namespace std::chrono_literals;
using protocol::ErrorCode;
using protocol::Json;

// The seam the hub writes to: records every frame and close instead of sending them.
class RecordingSink final : public SessionSink {
public:
    void deliver(const Payload& payload) override {
        const std::lock_guard lock{mutex_};
        frames_.push_back(Json::parse(*payload));
    }
    void close(protocol::CloseCode code) override {
        const std::lock_guard lock{mutex_};
        closes_.push_back(code);
    }
    /// Every event frame received, in order.
    std::vector<Json> events() const {
        const std::lock_guard lock{mutex_};
        return frames_;
    }
    /// Events named `name`.
    std::vector<Json> events(std::string_view name) const {
        std::vector<Json> out;
        for (const Json& frame : events()) {
            if (frame.value("event", "") == name) {
                out.push_back(frame);
            }
        }
        return out;
    }
    std::size_t closeCount() const {
        const std::lock_guard lock{mutex_};
        return closes_.size();
    }

private:
    mutable std::mutex mutex_;
    std::vector<Json> frames_;
    std::vector<protocol::CloseCode> closes_;
};

const token::TimePoint kStart{std::chrono::milliseconds{1'800'000'000'123}};
constexpr std::int64_t kStartMillis = 1'800'000'000'123;

class ChatServiceTest : public ::testing::Test {
protected:
    void TearDown() override {
        workers_.stop();
        broker_.shutdown();
    }

    OpResult call(const std::string& identity, std::string_view op, Json args = Json::object()) {
        args["id"] = next_id_++;
        args["op"] = op;
        const auto request = protocol::parseRequest(args.dump());
        EXPECT_TRUE(request) << args.dump();
        if (!request) {
            return std::unexpected(OpError{ErrorCode::kMalformedFrame, "test frame did not parse"});
        }
        std::promise<OpResult> result;
        chat_->handle(identity, *request, [&result](OpResult done) { result.set_value(done); });
        auto answered = result.get_future();
        if (answered.wait_for(10s) != std::future_status::ready) {
            ADD_FAILURE() << "no answer within 10 s";
            return std::unexpected(OpError{ErrorCode::kInternal, "timed out"});
        }
        settle();
        return answered.get();
    }

    /// Waits until what the last op published has reached the sessions: the op publishes after
    /// its answer, on the one worker, so a task queued behind it runs once it has published; the
    /// broker barrier then waits for the deliveries.
    void settle() {
        std::promise<void> drained;
        workers_.post([&drained] { drained.set_value(); });
        drained.get_future().wait();
        barrier_.settle();
    }

    StoreResult<std::vector<MemberChannel>> channelsOf(const std::string& identity) {
        std::promise<StoreResult<std::vector<MemberChannel>>> result;
        chat_->channelsOf(identity, [&result](auto channels) { result.set_value(channels); });
        return result.get_future().get();
    }

    /// The reply fields of an op expected to succeed.
    Json ok(const std::string& identity, std::string_view op, Json args = Json::object()) {
        const OpResult result = call(identity, op, args);
        EXPECT_TRUE(result) << op << " " << args.dump() << ": "
                            << (result ? ""
                                       : std::to_string(static_cast<int>(result.error().code)) +
                                             " " + result.error().message);
        return result ? *result : Json{};
    }

    /// The error of an op expected to fail.
    OpError fails(const std::string& identity, std::string_view op, Json args = Json::object()) {
        const OpResult result = call(identity, op, args);
        EXPECT_FALSE(result) << op << " " << args.dump()
                             << " succeeded: " << (result ? result->dump() : "");
        if (result) {
            return OpError{ErrorCode::kInternal, "unexpected success"};
        }
        EXPECT_FALSE(result.error().message.empty());
        return result.error();
    }

    ErrorCode failsWith(const std::string& identity, std::string_view op,
                        Json args = Json::object()) {
        return fails(identity, op, std::move(args)).code;
    }

    /// Creates a channel; its reply's `channel` object.
    Json create(const std::string& identity, const std::string& unique_name,
                const std::string& type = "public") {
        return ok(identity, protocol::op::kChannelCreate,
                  {{"unique_name", unique_name}, {"type", type}})
            .value("channel", Json::object());
    }

    /// A session of `identity` attached to the hub with its channels, as init does.
    std::shared_ptr<RecordingSink> connect(const std::string& identity) {
        auto sink = std::make_shared<RecordingSink>();
        EXPECT_TRUE(hub_.attach(identity, sink, 16));
        const auto channels = channelsOf(identity);
        EXPECT_TRUE(channels);
        hub_.addChannels(identity, channels.value_or(std::vector<MemberChannel>{}));
        return sink;
    }

    Json send(const std::string& identity, const std::string& channel, const std::string& body) {
        return ok(identity, protocol::op::kMessageSend, {{"channel", channel}, {"body", body}})
            .value("message", Json::object());
    }

    std::vector<std::int64_t> historyIndexes(const std::string& identity, Json args) {
        std::vector<std::int64_t> indexes;
        for (const Json& message : ok(identity, protocol::op::kMessageHistory, std::move(args))
                                       .value("messages", Json::array())) {
            indexes.push_back(message.at("index").get<std::int64_t>());
        }
        return indexes;
    }

    TempSqliteStore store_{"parley-chat"};
    token::ManualClock clock_{kStart};
    Metrics metrics_;
    MemoryBroker broker_;
    BrokerBarrier barrier_{broker_};
    Hub hub_{broker_};
    StoreWorkers workers_{1}; // one, so settle() can queue behind an op
    std::unique_ptr<ChatService> chat_ =
        std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_);
    std::uint64_t next_id_ = 1;
};

using Indexes = std::vector<std::int64_t>;

// {"k":"xxx..."} whose compact JSON is exactly `size` bytes.
inline Json attributesOfSize(std::size_t size) {
    const std::size_t overhead = std::string{R"({"k":""})"}.size();
    Json attributes = {{"k", std::string(size - overhead, 'x')}};
    EXPECT_EQ(attributes.dump().size(), size);
    return attributes;
}

} // namespace parley::server::chat_fixture
