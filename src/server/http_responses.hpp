#pragma once

// The shapes of the REST API's answers, shared by its handlers (rest_api.cpp and
// rest_revocations.cpp): JSON bodies, and errors that carry the protocol's code where one
// applies, else the HTTP status.

#include "protocol/codes.hpp"

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace parley::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// A response to `request` with `body`; HEAD gets the same headers and no body.
HttpResponse respond(const HttpRequest& request, boost::beast::http::status status,
                     std::string body, std::string_view content_type = "application/json");
/// Compact JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string dump(const nlohmann::json& json);
/// {"code": code, "message": message}
HttpResponse jsonError(const HttpRequest& request, boost::beast::http::status status, int code,
                       std::string_view message);
HttpResponse jsonError(const HttpRequest& request, boost::beast::http::status status,
                       protocol::ErrorCode code, std::string_view message);
/// An error whose code is the HTTP status itself.
HttpResponse httpError(const HttpRequest& request, boost::beast::http::status status,
                       std::string_view message);
/// 500 with 50500: the store failed.
HttpResponse storageFailed(const HttpRequest& request);

} // namespace parley::server
