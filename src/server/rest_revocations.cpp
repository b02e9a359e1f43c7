// The REST API's revocations (docs/operations.md, "Revocations"): POST /v1/revocations revokes
// the tokens of an identity, a jti or an API key issued up to now; GET lists those in force.

#include "protocol/revocations.hpp"
#include "server/rest_api.hpp"
#include "server/revocation_page.hpp"
#include "server/revocations.hpp"

namespace parley::server {

namespace http = boost::beast::http;

HttpResponse RestApi::revocations(const HttpRequest& request,
                                  const protocol::Decoded<protocol::PageArgs>& page) const {
    const auto method = request.method();
    if (method != http::verb::get && method != http::verb::head && method != http::verb::post) {
        auto response =
            httpError(request, http::status::method_not_allowed, "only GET and POST are supported");
        response.set(http::field::allow, "GET, HEAD, POST");
        return response;
    }
    if (!authorized(request)) {
        return unauthorized(request);
    }
    if (method == http::verb::post) {
        return revoke(request);
    }
    if (!page) {
        return jsonError(request, http::status::bad_request, page.error().code,
                         page.error().message);
    }
    const auto listed =
        revocationPage(revocations_->inForce(), protocol::pageSizeOf(*page), page->page_token);
    if (!listed) {
        return jsonError(request, http::status::bad_request, protocol::ErrorCode::kInvalidArgument,
                         "page_token is not one this server gave for this list");
    }
    std::vector<protocol::RevocationObject> wire;
    for (const Revocation& revocation : listed->revocations) {
        wire.push_back(toWire(revocation));
    }
    protocol::Json reply = protocol::revocationsReply(wire);
    protocol::writeNextPageToken(listed->next_page_token, reply);
    return respond(request, http::status::ok, dump(reply));
}

HttpResponse RestApi::revoke(const HttpRequest& request) const {
    if (request.body().size() > protocol::kMaxRevocationBodyBytes) {
        return httpError(request, http::status::payload_too_large,
                         "a revocation body is at most " +
                             std::to_string(protocol::kMaxRevocationBodyBytes) + " bytes");
    }
    const auto asked = protocol::readRevocationRequest(request.body());
    if (!asked) {
        return jsonError(request, http::status::bad_request, asked.error().code,
                         asked.error().message);
    }
    const auto made = revocations_->revoke(*asked);
    if (!made) {
        return storageFailed(request);
    }
    return respond(request, http::status::created, dump(protocol::encodeRevocation(toWire(*made))));
}

} // namespace parley::server
