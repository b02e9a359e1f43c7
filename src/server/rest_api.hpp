#pragma once

// The HTTP side of the port: /healthz, /metrics, and read-only REST access to channels and
// messages for backends, authorized with HTTP Basic "API key SID : secret" as Twilio's REST API
// is. Pure request -> response, so it is tested without a socket.

#include "server/server_context.hpp"
#include "server/store/store.hpp"

#include <boost/beast/http.hpp>

namespace parley::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

class RestApi {
public:
    RestApi(ServerContext& context, Store& store);

    HttpResponse handle(const HttpRequest& request) const;

private:
    HttpResponse channels(const HttpRequest& request) const;
    HttpResponse messages(const HttpRequest& request, std::string_view channel) const;
    bool authorized(const HttpRequest& request) const;

    ServerContext& context_;
    Store& store_;
};

} // namespace parley::server
