#pragma once

// Writing JSON text. Every frame and reply the server sends is nlohmann::json turned into compact
// text, and nlohmann's writer escapes strings a byte at a time through a UTF-8 decoder: a history
// page of 1 MiB took it 5 ms, half of a busy server's CPU. These functions write exactly the
// bytes nlohmann's dump(-1, ' ', false, error_handler_t::replace) writes (the tests compare them
// on every kind of value and on random bytes), copying runs of plain characters whole.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::protocol {

/// `value` as compact JSON text: no spaces, object keys in the order nlohmann keeps them (sorted),
/// UTF-8 kept as it is, bytes that are not UTF-8 replaced by U+FFFD.
std::string compactJson(const nlohmann::json& value);

/// Appends compactJson(value) to `out`.
void appendCompactJson(std::string& out, const nlohmann::json& value);

/// Appends `text` as a JSON string, quotes included.
void appendJsonString(std::string& out, std::string_view text);

/// The size of `text` written as a JSON string, quotes included, when `text` is valid UTF-8 (as
/// every string the server holds is: it came in a parsed JSON frame).
std::size_t jsonStringSize(std::string_view text);

} // namespace parley::protocol
