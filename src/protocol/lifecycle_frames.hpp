#pragma once

// The two token lifecycle events, serialized without a JSON document. They go out for every
// connection in the same instant when many tokens share one exp, so each one's cost is on the
// critical path of the whole batch; their fields are integers, so there is nothing to escape.
// The bytes equal eventFrame() with the same fields (frame tests check it).

#include <chrono>
#include <cstdint>
#include <string>

namespace parley::protocol {

/// {"event":"token_about_to_expire","expires_at":<unix s>,"server_time":<unix ms>}
std::string tokenAboutToExpireFrame(std::int64_t expires_at, std::int64_t server_time_ms);
/// {"event":"token_expired","server_time":<unix ms>}
std::string tokenExpiredFrame(std::int64_t server_time_ms);

} // namespace parley::protocol
