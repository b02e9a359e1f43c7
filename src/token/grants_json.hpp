#pragma once

// Grants to JSON in the shape and key order of Twilio's helper libraries: identity first, then
// each grant's fields in the order their toPayload() writes them, absent fields left out.

#include <parley/token/grants.hpp>

#include <nlohmann/json.hpp>

namespace parley::token {

/// Throws nlohmann::json::parse_error if a raw grant in `grants.other` is not JSON.
nlohmann::ordered_json grantsToJson(const Grants& grants);

} // namespace parley::token
