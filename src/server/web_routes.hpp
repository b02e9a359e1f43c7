#pragma once

// The browser side of the HTTP port: the web app at / (and its files at /web/NAME), the browser
// SDK at /sdk/NAME, both embedded in the binary (web_assets.hpp); GET /web/config.json, which
// tells the page where its tokens come from; and, in the development setup only,
// POST /v1/dev/token {"identity", "ttl"} -> {"token"}. answer() is a pure request -> response on
// the calling thread (minting is one HMAC), so it is tested without a socket.

#include <parley/token/api_key.hpp>
#include <parley/token/clock.hpp>

#include <boost/beast/http.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace parley::server {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// What the page is told, and what the development setup adds.
struct WebOptions {
    /// The operator's token endpoint: the page POSTs {"identity"} to it, with the browser's
    /// cookies, and expects {"token"}. Empty: none (the page uses the development endpoint when
    /// there is one, else asks for a token to paste).
    std::string token_url;
    /// The about-to-expire window the page's SDK uses, the server's own.
    std::chrono::seconds about_to_expire_window{180};
};

/// The largest body POST /v1/dev/token reads; an identity and a TTL fit many times over.
inline constexpr std::size_t kMaxDevTokenBodyBytes = 4096;
/// The longest identity a development token is minted for, in bytes.
inline constexpr std::size_t kMaxDevIdentityBytes = 256;

class WebRoutes {
public:
    WebRoutes(WebOptions options, const token::Clock& clock);

    /// Turns on POST /v1/dev/token, minting with `key` for `chat_service_sid`. Only for the
    /// development setup on a loopback listener (Server::enableDevTokens checks); call before
    /// the server runs, as nothing here is locked.
    void enableDevTokens(token::ApiKey key, std::string chat_service_sid);

    /// The answer when `request` is for one of these paths, else nullopt.
    std::optional<HttpResponse> answer(const HttpRequest& request) const;

private:
    HttpResponse config(const HttpRequest& request) const;
    HttpResponse devToken(const HttpRequest& request) const;

    struct DevIssuer {
        token::ApiKey key;
        std::string chat_service_sid;
    };

    WebOptions options_;
    const token::Clock& clock_;
    std::optional<DevIssuer> dev_;
};

} // namespace parley::server
