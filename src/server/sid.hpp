#pragma once

// Twilio-style SIDs: a two-letter prefix and 32 hex digits (CH channel, IM message).

#include <chrono>
#include <string>
#include <string_view>

namespace parley::server {

/// A new random SID; throws std::runtime_error only if the system's randomness fails.
std::string makeSid(std::string_view prefix);

/// A new SID whose first 12 hex digits are `now` in milliseconds since the epoch and whose other
/// 20 are random (80 bits, so SIDs made in the same millisecond still never meet). Message SIDs
/// are made so: the stores keep a unique index on them, and a random SID put each new message in
/// a random page of that index (a page read and a page written per message once the index
/// outgrows the cache); SIDs in time order are appended where the last ones went. A clock set
/// back costs locality, never uniqueness. Throws like makeSid.
std::string makeOrderedSid(std::string_view prefix, std::chrono::system_clock::time_point now);

} // namespace parley::server
