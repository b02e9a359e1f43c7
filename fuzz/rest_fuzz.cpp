// The REST API on untrusted requests: arbitrary bytes become a request's target (path and query:
// page tokens, before/after/limit, channel names) and Authorization header, answered by RestApi
// over a real SQLite store that holds a channel with messages. Nothing may crash, leak or throw;
// every answer has a documented status, and a JSON body that parses, with a documented code when
// it is an error.

#include "protocol/codes.hpp"
#include "server/rest_api.hpp"
#include "server_backend.hpp"

#include <boost/beast/core/detail/base64.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace parley;
namespace http = boost::beast::http;

std::string basicCredentials(const token::ApiKey& key) {
    namespace base64 = boost::beast::detail::base64;
    const std::string plain = key.sid + ":" + key.secret;
    std::string encoded(base64::encoded_size(plain.size()), '\0');
    encoded.resize(base64::encode(encoded.data(), plain.data(), plain.size()));
    return "Basic " + encoded;
}

bool documentedStatus(http::status status) {
    constexpr std::array kStatuses{http::status::ok,
                                   http::status::bad_request,
                                   http::status::unauthorized,
                                   http::status::not_found,
                                   http::status::method_not_allowed,
                                   http::status::upgrade_required,
                                   http::status::internal_server_error};
    return std::find(kStatuses.begin(), kStatuses.end(), status) != kStatuses.end();
}

bool documentedCode(int code) {
    return code == 401 || code == 404 || code == 405 || code == 426 ||
           std::any_of(protocol::kAllErrorCodes.begin(), protocol::kAllErrorCodes.end(),
                       [code](auto known) { return static_cast<int>(known) == code; });
}

void check(const server::HttpRequest& request, const server::HttpResponse& response) {
    if (!documentedStatus(response.result())) {
        __builtin_trap();
    }
    if (request.method() == http::verb::head) {
        if (!response.body().empty()) {
            __builtin_trap(); // HEAD answers with the headers of GET only
        }
        return;
    }
    if (response[http::field::content_type] != "application/json") {
        return;
    }
    const auto body = protocol::Json::parse(response.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        __builtin_trap(); // a JSON response must be a JSON object
    }
    if (response.result() != http::status::ok && !documentedCode(body.value("code", 0))) {
        __builtin_trap();
    }
}

struct Harness : fuzz::ServerBackend {
    server::RestApi rest{*context, *store};
    std::string credentials = basicCredentials(fuzz::kBackendKey);

    // A channel with more messages than one page, so page tokens and ranges lead somewhere.
    Harness() : ServerBackend("rest-fuzz") {
        const auto channel = store->createChannel(
            {.sid = "CH" + std::string(32, '1'), .unique_name = "general", .created_by = "alice"});
        if (!channel) {
            std::abort();
        }
        for (int i = 0; i < 60; ++i) {
            if (!store->appendMessage({.sid = "IM" + std::to_string(1'000'000 + i),
                                       .channel_sid = channel->sid,
                                       .author = "alice",
                                       .body = "m" + std::to_string(i)})) {
                std::abort();
            }
        }
    }
};

} // namespace

// The first byte picks the method and whether the right credentials are sent; the rest up to a
// newline is the target, and what follows the newline, if any, the raw Authorization header.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness harness;
    if (size == 0 || size > 16 * 1024) { // Beast refuses headers over 16 KiB before the API
        return 0;
    }
    constexpr std::array kMethods{http::verb::get, http::verb::head, http::verb::post,
                                  http::verb::delete_};
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text.
    std::string_view input{reinterpret_cast<const char*>(data) + 1, size - 1};
    const std::size_t newline = input.find('\n');
    server::HttpRequest request{kMethods[(data[0] >> 1U) % kMethods.size()],
                                input.substr(0, newline), 11};
    request.set(http::field::host, "localhost");
    if (newline != std::string_view::npos) {
        // One header line, as Beast would have parsed it.
        const std::string_view header = input.substr(newline + 1);
        request.set(http::field::authorization, header.substr(0, header.find_first_of("\r\n")));
    } else if ((data[0] & 1U) != 0) {
        request.set(http::field::authorization, harness.credentials);
    }
    check(request, harness.rest.answer(request));
    return 0;
}
