#pragma once

// Paging of lists (docs/protocol.md, "Paging"): `channel.list` over the WebSocket and every REST
// list take `page_size` and `page_token`, and answer with `next_page_token`, null on the last
// page. The token is opaque to clients: they hand back what the server gave them. Only its size
// is checked here; what it means, and whether it is one the server made, is the server's business.

#include "protocol/objects.hpp"
#include "protocol/shape_error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

namespace field {
inline constexpr std::string_view kPageSize = "page_size";
inline constexpr std::string_view kPageToken = "page_token";
inline constexpr std::string_view kNextPageToken = "next_page_token";
} // namespace field

/// Default and largest `page_size`.
inline constexpr std::size_t kDefaultPageSize = 50;
inline constexpr std::size_t kMaxPageSize = 500;
/// Longest `page_token` accepted; the server's own tokens are far shorter.
inline constexpr std::size_t kMaxPageTokenBytes = 256;

/// The paging arguments of a list request; absent (or null) fields take their defaults.
struct PageArgs {
    std::optional<std::int64_t> page_size;
    std::optional<std::string> page_token;

    bool operator==(const PageArgs&) const = default;
};

/// Reads `page_size` and `page_token` from a request frame and checks them: `page_size` an
/// integer from 1 to kMaxPageSize, `page_token` a non-empty string of at most kMaxPageTokenBytes.
/// Anything else is a ShapeError (50003) naming the field.
Decoded<PageArgs> readPageArgs(const Json& frame);
/// The same checks for arguments that came another way (the REST API's query string).
Decoded<PageArgs> checkPageArgs(PageArgs args);
/// Adds the fields that are set to `args`.
void writePageArgs(const PageArgs& args, Json& out);

/// The page size `args` asks for, its default when absent. Call on checked arguments only.
std::size_t pageSizeOf(const PageArgs& args);

/// `next_page_token` into a reply: the token, or null on the last page.
void writeNextPageToken(const std::optional<std::string>& next_page_token, Json& reply);
/// `next_page_token` from a reply: absent or null is the last page (nullopt).
Decoded<std::optional<std::string>> readNextPageToken(const Json& reply);

} // namespace parley::protocol
