#include "server/rest_api.hpp"

#include "protocol/history_budget.hpp"
#include "protocol/names.hpp"
#include "protocol/paging.hpp"
#include "protocol/replies.hpp"
#include "server/http_responses.hpp"
#include "server/page_token.hpp"
#include "server/wire_objects.hpp"

#include <boost/beast/core/detail/base64.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace parley::server {

namespace http = boost::beast::http;
using protocol::Json;

namespace {

std::string decodeBase64(std::string_view text) {
    namespace base64 = boost::beast::detail::base64;
    // Beast's decoded_size assumes a padded length (a multiple of 4) and decode writes the
    // trailing partial group anyway: sized for that group too, or an unpadded header from any
    // client wrote past the buffer (found by fuzz/rest_fuzz).
    std::string out(base64::decoded_size(text.size() + 3), '\0');
    const auto decoded = base64::decode(out.data(), text.data(), text.size());
    out.resize(decoded.first);
    return out;
}

// Query parameter `name` as it appears, or nullopt. Values are taken as they come, without
// percent-decoding: every value these lists take (numbers, base64url tokens) is URL-safe.
std::optional<std::string_view> queryValue(std::string_view query, std::string_view name) {
    std::size_t start = 0;
    while (start <= query.size()) {
        const std::size_t end = std::min(query.find('&', start), query.size());
        const std::string_view pair = query.substr(start, end - start);
        const std::size_t equals = pair.find('=');
        if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
            return pair.substr(equals + 1);
        }
        start = end + 1;
    }
    return std::nullopt;
}

// Query parameter `name` as a whole number, or nullopt; `bad` is set when present but invalid.
std::optional<std::int64_t> queryInt(std::string_view query, std::string_view name, bool& bad) {
    const auto value = queryValue(query, name);
    if (!value) {
        return std::nullopt;
    }
    std::int64_t number = 0;
    const auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), number);
    if (ec != std::errc{} || ptr != value->data() + value->size()) {
        bad = true;
        return std::nullopt;
    }
    return number;
}

std::string_view queryOf(const HttpRequest& request) {
    const std::string_view target = request.target();
    const std::size_t question = target.find('?');
    return question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
}

// page_size and page_token, checked as the WebSocket's channel.list checks them.
protocol::Decoded<protocol::PageArgs> pageArgs(std::string_view query) {
    bool bad = false;
    protocol::PageArgs args{.page_size = queryInt(query, protocol::field::kPageSize, bad)};
    if (bad) {
        return protocol::shapeError(std::string{protocol::field::kPageSize} +
                                    " must be a whole number");
    }
    if (const auto token = queryValue(query, protocol::field::kPageToken)) {
        args.page_token = std::string{*token};
    }
    return protocol::checkPageArgs(std::move(args));
}

constexpr std::string_view kForeignPageToken = "page_token is not one this server gave";

// The store query a REST message list asks for: before/after/limit as ever, or page_size and a
// page_token from an earlier page (which stands for before or after, in that page's direction).
std::expected<HistoryQuery, std::string> historyQueryOf(std::string_view query,
                                                        const std::string& channel_sid) {
    bool bad = false;
    HistoryQuery history{.before = queryInt(query, "before", bad),
                         .after = queryInt(query, "after", bad)};
    const auto limit = queryInt(query, "limit", bad);
    auto page = pageArgs(query);
    if (bad || (history.before && history.after)) {
        return std::unexpected("before, after (not both) and limit (1-500) must be whole numbers");
    }
    if (!page) {
        return std::unexpected(page.error().message);
    }
    if (limit && page->page_size) {
        return std::unexpected("give limit or page_size, not both");
    }
    const std::int64_t size =
        limit.value_or(static_cast<std::int64_t>(protocol::pageSizeOf(*page)));
    if (size < 1 || size > static_cast<std::int64_t>(protocol::kMaxHistoryLimit)) {
        return std::unexpected("limit must be between 1 and 500");
    }
    history.limit = static_cast<std::size_t>(size);
    if (page->page_token) {
        const auto cursor = readMessagesPageToken(*page->page_token);
        if (history.before || history.after || !cursor || cursor->channel_sid != channel_sid) {
            return std::unexpected(std::string{kForeignPageToken} +
                                   " for this channel (and it replaces before and after)");
        }
        (cursor->upward ? history.after : history.before) = cursor->index;
    }
    return history;
}

// Whether the byte cap, rather than `limit` or the end of the history, may have ended a page.
bool cutByBudget(const std::vector<Message>& page) {
    std::size_t bytes = 0;
    for (const Message& message : page) {
        bytes += protocol::historyBytes(message.author, message.body, message.attributes_json);
    }
    return !page.empty() && protocol::mayBeCutShort(bytes);
}

HttpResponse methodNotAllowed(const HttpRequest& request) {
    auto response = httpError(request, http::status::method_not_allowed, "only GET is supported");
    response.set(http::field::allow, "GET, HEAD"); // a 405 must say what is (RFC 9110, 15.5.6)
    return response;
}

// A 426 must name the protocol to upgrade to (RFC 9110, 15.5.22), and Upgrade goes with a
// Connection option of the same name (7.8); keep_alive() adds back close/keep-alive.
HttpResponse upgradeRequired(const HttpRequest& request) {
    auto response =
        httpError(request, http::status::upgrade_required, "this endpoint speaks WebSocket only");
    response.set(http::field::upgrade, "websocket");
    response.set(http::field::connection, "Upgrade");
    response.keep_alive(request.keep_alive());
    return response;
}

} // namespace

constexpr std::string_view kChannelsPath = "/v1/channels";
constexpr std::string_view kRevocationsPath = "/v1/revocations";

RestApi::RestApi(ServerContext& context, Store& store, const WebRoutes* web,
                 Revocations* revocations)
    : context_(context), store_(store), web_(web), revocations_(revocations) {}

void RestApi::handle(HttpRequest request, Respond respond) const {
    const std::string_view target = request.target();
    // A revocation is saved before it is answered: on a worker, as store reads are. /healthz asks
    // the store whether its database answers, which for PostgreSQL is a round trip.
    const bool revoking = request.method() == http::verb::post &&
                          target.substr(0, target.find('?')) == kRevocationsPath;
    if (!target.starts_with(kChannelsPath) && !target.starts_with("/healthz") && !revoking) {
        respond(answer(request));
        return;
    }
    context_.workers.post([this, request = std::move(request), respond = std::move(respond)] {
        respond(answer(request));
    });
}

HttpResponse RestApi::health(const HttpRequest& request) const {
    const bool reachable = store_.reachable();
    const std::string details = health_ ? health_(reachable) : "";
    if (!reachable) {
        return respond(request, http::status::service_unavailable, "store unreachable\n" + details,
                       "text/plain");
    }
    return respond(request, http::status::ok, "ok\n" + details, "text/plain");
}

HttpResponse RestApi::answer(const HttpRequest& request) const {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (web_ != nullptr) {
        if (auto web = web_->answer(request)) {
            return std::move(*web);
        }
    }
    if (path == kRevocationsPath && revocations_ != nullptr) {
        return revocations(request, pageArgs(queryOf(request))); // GET and POST
    }
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        return methodNotAllowed(request);
    }
    if (path == "/healthz") {
        return health(request);
    }
    if (path == "/metrics") {
        return respond(request, http::status::ok, context_.metrics.render(),
                       "text/plain; version=0.0.4");
    }
    if (path == protocol::kWebSocketPath) {
        return upgradeRequired(request);
    }
    constexpr std::string_view kChannels = kChannelsPath;
    if (path == kChannels || path.starts_with("/v1/channels/")) {
        if (!authorized(request)) {
            return unauthorized(request);
        }
        if (path == kChannels) {
            return channels(request);
        }
        std::string_view rest = path.substr(kChannels.size() + 1);
        constexpr std::string_view kMessages = "/messages";
        if (rest.ends_with(kMessages) && rest.size() > kMessages.size()) {
            return messages(request, rest.substr(0, rest.size() - kMessages.size()));
        }
    }
    return httpError(request, http::status::not_found, "no such resource");
}

HttpResponse RestApi::unauthorized(const HttpRequest& request) {
    auto response = httpError(request, http::status::unauthorized,
                              "HTTP Basic authentication with an API key is required");
    response.set(http::field::www_authenticate, R"(Basic realm="parley")");
    return response;
}

bool RestApi::authorized(const HttpRequest& request) const {
    const auto header = request.find(http::field::authorization);
    if (header == request.end()) {
        return false;
    }
    const std::string_view value = header->value();
    constexpr std::string_view kBasic = "basic ";
    // The scheme name is case-insensitive (RFC 7235, section 2.1).
    if (value.size() < kBasic.size() ||
        !std::equal(kBasic.begin(), kBasic.end(), value.begin(), [](char expected, char actual) {
            return expected == std::tolower(static_cast<unsigned char>(actual));
        })) {
        return false;
    }
    const std::string credentials = decodeBase64(value.substr(kBasic.size()));
    const std::size_t colon = credentials.find(':');
    if (colon == std::string::npos) {
        return false;
    }
    return context_.tokens.checkApiKey(std::string_view{credentials}.substr(0, colon),
                                       std::string_view{credentials}.substr(colon + 1));
}

HttpResponse RestApi::channels(const HttpRequest& request) const {
    const auto args = pageArgs(queryOf(request));
    if (!args) {
        return jsonError(request, http::status::bad_request, args.error().code,
                         args.error().message);
    }
    ChannelPageQuery query{.limit = protocol::pageSizeOf(*args)};
    const auto foreign_token = [&request] {
        return jsonError(request, http::status::bad_request, protocol::ErrorCode::kInvalidArgument,
                         kForeignPageToken);
    };
    if (args->page_token) {
        query.after = readChannelsPageToken(*args->page_token);
        if (!query.after) {
            return foreign_token();
        }
    }
    // A backend with an API key sees every channel, as an account owner does.
    const auto page = store_.listChannels(std::nullopt, query);
    if (!page) {
        // A well-formed token naming no channel was not made here either.
        return page.error() == StoreError::kNotFound ? foreign_token() : storageFailed(request);
    }
    return respond(
        request, http::status::ok,
        dump(protocol::channelsReply(toWire(page->channels), nextChannelsPageToken(*page))));
}

HttpResponse RestApi::messages(const HttpRequest& request, std::string_view channel) const {
    const auto found = store_.findChannel(channel);
    if (!found) {
        return found.error() == StoreError::kNotFound
                   ? jsonError(request, http::status::not_found,
                               protocol::ErrorCode::kChannelNotFound, "channel not found")
                   : storageFailed(request);
    }
    const auto history = historyQueryOf(queryOf(request), found->sid);
    if (!history) {
        return jsonError(request, http::status::bad_request, protocol::ErrorCode::kInvalidArgument,
                         history.error());
    }
    // One row more than the page says whether another page follows. The same byte cap as a
    // message.history reply: 500 x 32 KiB would be a 16 MB response built in memory.
    HistoryQuery probe = *history;
    ++probe.limit;
    probe.max_bytes = protocol::kMaxHistoryBytes;
    auto page = store_.history(found->sid, probe);
    if (!page) {
        return storageFailed(request);
    }
    const bool upward = history->after.has_value();
    std::optional<std::string> next;
    const bool more = page->size() > history->limit;
    if (more) {
        // Oldest first either way: a page read upward loses its newest row, downward its oldest.
        upward ? page->pop_back() : static_cast<void>(page->erase(page->begin()));
    }
    // A page the cap cut short gets a token too; downward it cannot reach past index 0.
    if (more || (cutByBudget(*page) && (upward || page->front().index > 0))) {
        next = messagesPageToken({.channel_sid = found->sid,
                                  .upward = upward,
                                  .index = upward ? page->back().index : page->front().index});
    }
    return respond(request, http::status::ok, dump(protocol::messagesReply(toWire(*page), next)));
}

} // namespace parley::server
