#include "protocol/history_budget.hpp"

namespace parley::protocol {
namespace {

// Field names, two SIDs (34 characters each), index and date (20 digits at most), quotes and
// separators: under 200 bytes, rounded up.
constexpr std::size_t kFixedMessageBytes = 256;

// As nlohmann::json writes a string (UTF-8 kept as is): quotes, two-byte escapes for quote,
// backslash and \b \f \n \r \t, six bytes for the other control characters.
std::size_t escapedSize(std::string_view text) {
    std::size_t size = 2;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
            c == '\t') {
            size += 2;
        } else if (byte < 0x20) {
            size += 6;
        } else {
            size += 1;
        }
    }
    return size;
}

} // namespace

std::size_t historyBytes(std::string_view author, std::string_view body,
                         std::string_view attributes_json) {
    // Attributes are held as compact JSON and written back as such.
    return kFixedMessageBytes + escapedSize(author) + escapedSize(body) + attributes_json.size();
}

} // namespace parley::protocol
