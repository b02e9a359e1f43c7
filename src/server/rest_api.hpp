#pragma once

// The HTTP side of the port: /healthz (200 "ok", or 503 when the store's database does not
// answer), /metrics, read-only REST access to channels and messages for backends, and
// revocations (rest_revocations.cpp), authorized with HTTP Basic "API key SID : secret" as
// Twilio's REST API is; and, first, the web app's and browser SDK's files (WebRoutes). answer()
// is a pure request -> response, so it is tested without a socket; handle() runs answers that
// read the store on a store worker, never on the io thread.

#include "protocol/paging.hpp"
#include "server/http_responses.hpp"
#include "server/server_context.hpp"
#include "server/store/store.hpp"
#include "server/web_routes.hpp"

#include <functional>

namespace parley::server {

class Revocations;

class RestApi {
public:
    /// `web`, when given, answers the web app's and the browser SDK's paths first. Without
    /// `revocations`, /v1/revocations is not served (404).
    RestApi(ServerContext& context, Store& store, const WebRoutes* web = nullptr,
            Revocations* revocations = nullptr);

    using Respond = std::function<void(HttpResponse)>;

    /// Calls `respond` exactly once: at once when the answer needs no store, else from a store
    /// worker thread.
    void handle(HttpRequest request, Respond respond) const;
    /// The answer to `request`, computed on the calling thread.
    HttpResponse answer(const HttpRequest& request) const;
    /// Lines /healthz adds after its first line (the node's name, its store and broker), given
    /// whether the store answered just now. Called for each /healthz on a store worker: must not
    /// block. Set before serving.
    using HealthDetails = std::function<std::string(bool store_reachable)>;
    void setHealthDetails(HealthDetails details) { health_ = std::move(details); }

private:
    /// /healthz: 200 while the store answers, 503 when it does not.
    HttpResponse health(const HttpRequest& request) const;
    HttpResponse channels(const HttpRequest& request) const;
    HttpResponse messages(const HttpRequest& request, std::string_view channel) const;
    /// GET, HEAD and POST /v1/revocations (rest_revocations.cpp); `page` is the query's paging.
    HttpResponse revocations(const HttpRequest& request,
                             const protocol::Decoded<protocol::PageArgs>& page) const;
    HttpResponse revoke(const HttpRequest& request) const;
    bool authorized(const HttpRequest& request) const;
    /// 401 with the challenge that asks for HTTP Basic.
    static HttpResponse unauthorized(const HttpRequest& request);

    ServerContext& context_;
    Store& store_;
    const WebRoutes* web_;
    HealthDetails health_;
    Revocations* revocations_;
};

} // namespace parley::server
