#include "server/web_routes.hpp"

#include "protocol/codes.hpp"
#include "server/http_responses.hpp"
#include "server/web_assets.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/limits.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <expected>

namespace parley::server {

namespace http = boost::beast::http;
using Json = nlohmann::json;

namespace {

constexpr std::string_view kDevTokenPath = "/v1/dev/token";
constexpr std::string_view kConfigPath = "/web/config.json";

HttpResponse reply(const HttpRequest& request, http::status status, std::string body,
                   std::string_view content_type) {
    auto response = respond(request, status, std::move(body), content_type);
    // Served files are never sniffed into another type (a .js taken for HTML, say).
    response.set("X-Content-Type-Options", "nosniff");
    return response;
}

HttpResponse jsonReply(const HttpRequest& request, http::status status, const Json& json) {
    auto response = reply(request, status, dump(json), "application/json");
    // Tokens and the page's settings are never kept by a cache.
    response.set(http::field::cache_control, "no-store");
    return response;
}

// An error body like the REST API's: the protocol's code where one applies, else the status.
HttpResponse errorReply(const HttpRequest& request, http::status status, int code,
                        std::string_view message) {
    return jsonReply(request, status, Json{{"code", code}, {"message", message}});
}

HttpResponse badRequest(const HttpRequest& request, std::string_view message) {
    return errorReply(request, http::status::bad_request,
                      static_cast<int>(protocol::ErrorCode::kInvalidArgument), message);
}

HttpResponse methodNotAllowed(const HttpRequest& request, std::string_view allow) {
    auto response =
        errorReply(request, http::status::method_not_allowed,
                   static_cast<int>(http::status::method_not_allowed), "method not allowed here");
    response.set(http::field::allow, allow); // a 405 must say what is (RFC 9110, 15.5.6)
    return response;
}

HttpResponse notFound(const HttpRequest& request) {
    return errorReply(request, http::status::not_found, static_cast<int>(http::status::not_found),
                      "no such resource");
}

bool isReadMethod(const HttpRequest& request) {
    return request.method() == http::verb::get || request.method() == http::verb::head;
}

// If-None-Match names this validator (or any, "*"): the client's copy is current.
bool notModified(const HttpRequest& request, std::string_view etag) {
    const auto header = request.find(http::field::if_none_match);
    if (header == request.end()) {
        return false;
    }
    const std::string_view value = header->value();
    return value == "*" || value.find(etag) != std::string_view::npos;
}

HttpResponse serveAsset(const HttpRequest& request, const WebAsset& asset) {
    if (notModified(request, asset.etag)) {
        HttpResponse response{http::status::not_modified, request.version()};
        response.set(http::field::server, "parley");
        response.set(http::field::etag, asset.etag);
        response.keep_alive(request.keep_alive());
        return response;
    }
    auto response = reply(request, http::status::ok, std::string{asset.body}, asset.content_type);
    response.set(http::field::etag, asset.etag);
    // Revalidated on every use: a new build serves new files under the same names.
    response.set(http::field::cache_control, "no-cache");
    if (asset.path == "/") {
        response.set("Content-Security-Policy",
                     "default-src 'self'; connect-src 'self' ws: wss: http: https:; "
                     "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
        response.set("Referrer-Policy", "no-referrer");
    }
    return response;
}

const WebAsset* findAsset(std::string_view path) {
    const auto assets = webAssets();
    const auto found = std::find_if(assets.begin(), assets.end(),
                                    [path](const WebAsset& asset) { return asset.path == path; });
    return found == assets.end() ? nullptr : &*found;
}

bool isWebPath(std::string_view path) {
    return path == "/" || path.starts_with("/web/") || path.starts_with("/sdk/");
}

bool hasControlCharacter(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The identity and TTL of a dev token request, or the message of a 400.
struct DevTokenArgs {
    std::string identity;
    std::chrono::seconds ttl{3600};
};

std::expected<DevTokenArgs, std::string> devTokenArgs(const std::string& body) {
    const Json json = Json::parse(body, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        return std::unexpected(R"(the body must be a JSON object {"identity", "ttl"})");
    }
    const auto identity = json.find("identity");
    if (identity == json.end() || !identity->is_string() ||
        identity->get_ref<const std::string&>().empty()) {
        return std::unexpected("identity must be a non-empty string");
    }
    DevTokenArgs args{.identity = identity->get<std::string>()};
    if (args.identity.size() > kMaxDevIdentityBytes || hasControlCharacter(args.identity)) {
        return std::unexpected("identity must be at most 256 bytes, without control characters");
    }
    if (const auto ttl = json.find("ttl"); ttl != json.end()) {
        const auto min = token::kMinTtl.count();
        const auto max = token::kMaxTtl.count();
        if (!ttl->is_number_integer() || ttl->get<std::int64_t>() < min ||
            ttl->get<std::int64_t>() > max) {
            return std::unexpected("ttl must be a whole number of seconds from " +
                                   std::to_string(min) + " to " + std::to_string(max));
        }
        args.ttl = std::chrono::seconds{ttl->get<std::int64_t>()};
    }
    return args;
}

} // namespace

WebRoutes::WebRoutes(WebOptions options, const token::Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

void WebRoutes::enableDevTokens(token::ApiKey key, std::string chat_service_sid) {
    dev_ = DevIssuer{.key = std::move(key), .chat_service_sid = std::move(chat_service_sid)};
}

std::optional<HttpResponse> WebRoutes::answer(const HttpRequest& request) const {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == kDevTokenPath) {
        return dev_ ? devToken(request) : notFound(request);
    }
    if (!isWebPath(path)) {
        return std::nullopt;
    }
    if (!isReadMethod(request)) {
        return methodNotAllowed(request, "GET, HEAD");
    }
    if (path == kConfigPath) {
        return config(request);
    }
    const WebAsset* asset = findAsset(path);
    return asset != nullptr ? serveAsset(request, *asset) : notFound(request);
}

HttpResponse WebRoutes::config(const HttpRequest& request) const {
    Json token_url = nullptr;
    if (!options_.token_url.empty()) {
        token_url = options_.token_url;
    } else if (dev_) {
        token_url = kDevTokenPath;
    }
    return jsonReply(request, http::status::ok,
                     Json{{"tokenUrl", token_url},
                          {"development", dev_.has_value()},
                          {"aboutToExpireWindow", options_.about_to_expire_window.count()}});
}

HttpResponse WebRoutes::devToken(const HttpRequest& request) const {
    if (request.method() != http::verb::post) {
        return methodNotAllowed(request, "POST");
    }
    if (request.body().size() > kMaxDevTokenBodyBytes) {
        return errorReply(request, http::status::payload_too_large,
                          static_cast<int>(http::status::payload_too_large),
                          "the body is larger than 4096 bytes");
    }
    // JSON only: a page on another site cannot send it without asking first (CORS preflight).
    const auto type = request.find(http::field::content_type);
    if (type == request.end() || !type->value().starts_with("application/json")) {
        return errorReply(request, http::status::unsupported_media_type,
                          static_cast<int>(http::status::unsupported_media_type),
                          "the body must be application/json");
    }
    const auto args = devTokenArgs(request.body());
    if (!args) {
        return badRequest(request, args.error());
    }
    auto token = token::AccessTokenBuilder{dev_->key}
                     .identity(args->identity)
                     .ttl(args->ttl)
                     .chat(token::ChatGrant{.service_sid = dev_->chat_service_sid})
                     .mint(clock_);
    if (!token) {
        return badRequest(request, token.error().message);
    }
    return jsonReply(request, http::status::ok, Json{{"token", *token}});
}

} // namespace parley::server
