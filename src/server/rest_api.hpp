#pragma once

// The HTTP side of the port: /healthz, /metrics, read-only REST access to channels and messages
// for backends, and revocations (rest_revocations.cpp), authorized with HTTP Basic
// "API key SID : secret" as Twilio's REST API is. answer() is a pure request -> response, so it is
// tested without a socket; handle() runs answers that read the store on a store worker, never on
// the io thread.

#include "protocol/paging.hpp"
#include "server/http_responses.hpp"
#include "server/server_context.hpp"
#include "server/store/store.hpp"

#include <functional>

namespace parley::server {

class Revocations;

class RestApi {
public:
    /// Without `revocations`, /v1/revocations is not served (404).
    RestApi(ServerContext& context, Store& store, Revocations* revocations = nullptr);

    using Respond = std::function<void(HttpResponse)>;

    /// Calls `respond` exactly once: at once when the answer needs no store, else from a store
    /// worker thread.
    void handle(HttpRequest request, Respond respond) const;
    /// The answer to `request`, computed on the calling thread.
    HttpResponse answer(const HttpRequest& request) const;

private:
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
    Revocations* revocations_;
};

} // namespace parley::server
