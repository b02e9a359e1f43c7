#pragma once

// Reading the members of a JSON object that came from the network: every accessor checks the
// type and reports what is wrong as a ShapeError instead of throwing.

#include "protocol/shape_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol::fields {

using Json = nlohmann::json;

/// The member `name`, or nullptr when it is absent or null.
const Json* find(const Json& object, std::string_view name);

/// A required string (non-empty when `non_empty`).
Decoded<std::string> string(const Json& object, std::string_view name, bool non_empty = true);
Decoded<std::optional<std::string>> optionalString(const Json& object, std::string_view name);
/// A required integer that fits in int64.
Decoded<std::int64_t> integer(const Json& object, std::string_view name);
Decoded<std::optional<std::int64_t>> optionalInteger(const Json& object, std::string_view name);
/// `attributes`: absent or null is "{}", otherwise an object whose compact text is at most
/// `max_bytes` long (50104 otherwise). Returns the compact text.
Decoded<std::string> attributes(const Json& object, std::size_t max_bytes);
/// Compact JSON text of `object`, parsed back into a JSON object ({} when it is not one).
Json attributesObject(const std::string& compact);

} // namespace parley::protocol::fields
