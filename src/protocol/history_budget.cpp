#include "protocol/history_budget.hpp"

#include "protocol/json_text.hpp"

namespace parley::protocol {
namespace {

// Field names, two SIDs (34 characters each), index and date (20 digits at most), quotes and
// separators: under 200 bytes, rounded up.
constexpr std::size_t kFixedMessageBytes = 256;

} // namespace

std::size_t historyBytes(std::string_view author, std::string_view body,
                         std::string_view attributes_json) {
    // Attributes are held as compact JSON and written back as such.
    return kFixedMessageBytes + jsonStringSize(author) + jsonStringSize(body) +
           attributes_json.size();
}

} // namespace parley::protocol
