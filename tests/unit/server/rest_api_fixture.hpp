#pragma once

// The REST API wired as Server::create wires it, over a real SQLite store: the fixture of
// rest_api_test.cpp and rest_api_channels_test.cpp.

#include "server/broker/memory_broker.hpp"
#include "server/rest_api.hpp"
#include "temp_sqlite_store.hpp"

#include <parley/token/api_key.hpp>
#include <parley/token/token_verifier.hpp>

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace parley::server::rest_fixture {

namespace http = boost::beast::http;
using protocol::Json;
using namespace std::chrono_literals;

const token::ApiKey kKey{.sid = "SK11111111111111111111111111111111",
                         .account_sid = "AC0123456789abcdef0123456789abcdef",
                         .secret = "s3cret"};
// A second key whose "sid:secret" is 40 bytes, so its base64 ends in "==".
const token::ApiKey kOtherKey{
    .sid = "SK22222222222222222222222222222222", .account_sid = "", .secret = "two5x"};
// base64("SK11111111111111111111111111111111:s3cret"), 41 bytes: one "=" of padding.
constexpr std::string_view kKeyCredentials =
    "U0sxMTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTpzM2NyZXQ=";
constexpr std::string_view kOtherKeyCredentials =
    "U0syMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjp0d281eA==";

// Plain RFC 4648 base64 with padding, written here so the test does not share the code under
// test's decoder.
inline std::string base64(std::string_view text) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < text.size(); i += 3) {
        const auto n = static_cast<unsigned>(static_cast<unsigned char>(text[i])) << 16U |
                       static_cast<unsigned>(static_cast<unsigned char>(text[i + 1])) << 8U |
                       static_cast<unsigned>(static_cast<unsigned char>(text[i + 2]));
        for (const unsigned shift : {18U, 12U, 6U, 0U}) {
            out += kAlphabet[(n >> shift) & 63U];
        }
    }
    const std::size_t rest = text.size() - i;
    if (rest > 0) {
        unsigned n = static_cast<unsigned>(static_cast<unsigned char>(text[i])) << 16U;
        if (rest == 2) {
            n |= static_cast<unsigned>(static_cast<unsigned char>(text[i + 1])) << 8U;
        }
        out += kAlphabet[(n >> 18U) & 63U];
        out += kAlphabet[(n >> 12U) & 63U];
        out += rest == 2 ? kAlphabet[(n >> 6U) & 63U] : '=';
        out += '=';
    }
    return out;
}

inline std::string basic(const token::ApiKey& key) {
    return "Basic " + base64(key.sid + ":" + key.secret);
}

constexpr std::int64_t kStartMillis = 1'800'000'000'000;

class RestApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        // Wired as Server::create wires them (src/server/server.cpp).
        tokens_ = std::make_unique<TokenGate>(std::vector<token::ApiKey>{kKey, kOtherKey},
                                              token::VerifyPolicy{}, clock_, metrics_);
        chat_ = std::make_unique<ChatService>(*store_, broker_, workers_, metrics_, clock_);
        context_ = std::make_unique<ServerContext>(ServerContext{
            .settings = SessionSettings{},
            .tokens = *tokens_,
            .chat = *chat_,
            .hub = hub_,
            .workers = workers_,
            .metrics = metrics_,
            .clock = clock_,
        });
        rest_ = std::make_unique<RestApi>(*context_, *store_);
    }
    void TearDown() override {
        workers_.stop();
        broker_.shutdown();
        rest_.reset();
        context_.reset();
        chat_.reset();
        tokens_.reset();
    }

    HttpResponse request(http::verb method, std::string_view target,
                         std::optional<std::string> authorization = std::nullopt) const {
        HttpRequest req{method, target, 11};
        req.set(http::field::host, "localhost");
        if (authorization) {
            req.set(http::field::authorization, *authorization);
        }
        req.prepare_payload();
        // Through handle(), as the HTTP session calls it (store reads run on a worker).
        std::promise<HttpResponse> response;
        rest_->handle(req,
                      [&response](HttpResponse answer) { response.set_value(std::move(answer)); });
        return response.get_future().get();
    }
    HttpResponse get(std::string_view target,
                     std::optional<std::string> authorization = std::nullopt) const {
        return request(http::verb::get, target, std::move(authorization));
    }
    HttpResponse authorizedGet(std::string_view target) const { return get(target, basic(kKey)); }

    /// The JSON body of a response, checking its content type.
    static Json body(const HttpResponse& response) {
        EXPECT_EQ(response[http::field::content_type], "application/json");
        const Json parsed = Json::parse(response.body(), nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << response.body();
        return parsed;
    }

    /// A chat op as `identity`, through the chat service, to set up data.
    Json op(const std::string& identity, std::string_view name, Json args) {
        args["id"] = 1;
        args["op"] = name;
        const auto parsed = protocol::parseRequest(args.dump());
        EXPECT_TRUE(parsed);
        std::promise<OpResult> done;
        chat_->handle(identity, *parsed, [&done](OpResult result) { done.set_value(result); });
        const auto result = done.get_future().get();
        EXPECT_TRUE(result) << name << " " << args.dump();
        return result ? *result : Json{};
    }
    std::string createChannel(const std::string& identity, const std::string& name,
                              const std::string& type) {
        clock_.advance(1ms);
        return op(identity, "channel.create", {{"unique_name", name}, {"type", type}})
            .at("channel")
            .at("sid")
            .get<std::string>();
    }
    void sendMessages(const std::string& channel, int count) {
        for (int i = 0; i < count; ++i) {
            op("alice", "message.send", {{"channel", channel}, {"body", "m" + std::to_string(i)}});
        }
    }
    std::vector<std::int64_t> indexes(const HttpResponse& response) {
        std::vector<std::int64_t> out;
        for (const Json& message : body(response).value("messages", Json::array())) {
            out.push_back(message.at("index").get<std::int64_t>());
        }
        return out;
    }

    TempSqliteStore store_{"parley-rest"};
    token::ManualClock clock_{token::TimePoint{std::chrono::milliseconds{kStartMillis}}};
    Metrics metrics_;
    MemoryBroker broker_;
    Hub hub_{broker_};
    StoreWorkers workers_{2};
    std::unique_ptr<TokenGate> tokens_;
    std::unique_ptr<ChatService> chat_;
    std::unique_ptr<ServerContext> context_;
    std::unique_ptr<RestApi> rest_;
};

using Indexes = std::vector<std::int64_t>;

} // namespace parley::server::rest_fixture
