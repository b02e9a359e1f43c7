#include "server/http_responses.hpp"

#include "protocol/json_text.hpp"

namespace parley::server {

namespace http = boost::beast::http;

HttpResponse respond(const HttpRequest& request, http::status status, std::string body,
                     std::string_view content_type) {
    HttpResponse response{status, request.version()};
    response.set(http::field::server, "parley");
    response.set(http::field::content_type, content_type);
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    if (request.method() == http::verb::head) {
        // Same headers (Content-Length included), no body: a body here would be read as the
        // start of the next response on a keep-alive connection.
        const auto length = response.body().size();
        response.body().clear();
        response.content_length(length);
    }
    return response;
}

std::string dump(const nlohmann::json& json) {
    return protocol::compactJson(json);
}

HttpResponse jsonError(const HttpRequest& request, http::status status, int code,
                       std::string_view message) {
    return respond(request, status, dump(nlohmann::json{{"code", code}, {"message", message}}));
}

HttpResponse jsonError(const HttpRequest& request, http::status status, protocol::ErrorCode code,
                       std::string_view message) {
    return jsonError(request, status, static_cast<int>(code), message);
}

HttpResponse httpError(const HttpRequest& request, http::status status, std::string_view message) {
    return jsonError(request, status, static_cast<int>(status), message);
}

HttpResponse storageFailed(const HttpRequest& request) {
    return jsonError(request, http::status::internal_server_error, protocol::ErrorCode::kInternal,
                     "storage failed");
}

} // namespace parley::server
