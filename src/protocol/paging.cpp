#include "protocol/paging.hpp"

#include "protocol/json_fields.hpp"

namespace parley::protocol {

Decoded<PageArgs> readPageArgs(const Json& frame) {
    auto page_size = fields::optionalInteger(frame, field::kPageSize);
    auto page_token = fields::optionalString(frame, field::kPageToken);
    if (!page_size || !page_token) {
        return std::unexpected(!page_size ? page_size.error() : page_token.error());
    }
    return checkPageArgs(PageArgs{.page_size = *page_size, .page_token = std::move(*page_token)});
}

Decoded<PageArgs> checkPageArgs(PageArgs args) {
    if (args.page_size &&
        (*args.page_size < 1 || *args.page_size > static_cast<std::int64_t>(kMaxPageSize))) {
        return shapeError(std::string{field::kPageSize} + " must be between 1 and " +
                          std::to_string(kMaxPageSize));
    }
    if (args.page_token &&
        (args.page_token->empty() || args.page_token->size() > kMaxPageTokenBytes)) {
        return shapeError(std::string{field::kPageToken} +
                          " is not a token this server gave (use next_page_token as it came)");
    }
    return args;
}

void writePageArgs(const PageArgs& args, Json& out) {
    if (args.page_size) {
        out[std::string{field::kPageSize}] = *args.page_size;
    }
    if (args.page_token) {
        out[std::string{field::kPageToken}] = *args.page_token;
    }
}

std::size_t pageSizeOf(const PageArgs& args) {
    return args.page_size ? static_cast<std::size_t>(*args.page_size) : kDefaultPageSize;
}

void writeNextPageToken(const std::optional<std::string>& next_page_token, Json& reply) {
    reply[std::string{field::kNextPageToken}] =
        next_page_token ? Json(*next_page_token) : Json(nullptr);
}

Decoded<std::optional<std::string>> readNextPageToken(const Json& reply) {
    return fields::optionalString(reply, field::kNextPageToken);
}

} // namespace parley::protocol
