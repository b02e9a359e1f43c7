#pragma once

// Twilio-style SIDs: a two-letter prefix and 32 random hex digits (CH channel, IM message).

#include <string>
#include <string_view>

namespace parley::server {

/// A new random SID; throws std::runtime_error only if the system's randomness fails.
std::string makeSid(std::string_view prefix);

} // namespace parley::server
