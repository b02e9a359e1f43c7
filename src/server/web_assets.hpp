#pragma once

// The files `parley serve` serves from its own binary: the web app at / and /web/..., the
// browser SDK at /sdk/... The table is generated at build time from web/ and sdk/js/
// (cmake/embed_web_assets.cmake).

#include <span>
#include <string_view>

namespace parley::server {

struct WebAsset {
    /// The URL path it is served at: "/" for web/index.html, "/web/NAME", "/sdk/NAME".
    std::string_view path;
    std::string_view content_type;
    std::string_view body;
    /// A strong validator from the content's SHA-256, quotes included.
    std::string_view etag;
};

/// Every embedded file, sorted by folder and name.
std::span<const WebAsset> webAssets();

} // namespace parley::server
