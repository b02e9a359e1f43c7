#pragma once

// Keeps one connection's requests within the rate the server announced in its `init` reply
// (a token bucket of `rate_burst` frames refilled at `rate_per_second`), so that what an app
// sends back to back is queued and paced, not refused with 50429 and closed with 4429.
//
// The server's bucket is judged when it reads a frame, not when the client sent it, and a server
// that stalls (a slow disk) then reads a backlog at once. Two rules make that harmless, whatever
// the network and the server's stalls do:
//   - at most `window` requests are in flight (sent, not answered), and
//   - the sends fit a bucket of `burst` = (server burst - window) at `rate` (90 % of the server's).
// A request sent after the reply to the one `window` before it was read after that one, so over
// any run of reads the server counts at most burst + window + rate x (time between them) frames:
// within its own bucket. A server burst under 2 leaves no room for both: then one request at a
// time, each sent at least 1/rate after the previous reply.
//
// No I/O, no clock of its own: the caller passes the time. Not thread-safe.

#include <parley/token/clock.hpp>

#include <cstddef>
#include <limits>
#include <optional>

namespace parley::client {

class RequestPacer {
public:
    using TimePoint = token::TimePoint;

    /// A new connection: no limits known yet, nothing in flight.
    void reset();
    /// The server's announced limits, read at `now`. Requests sent before count: `in_flight` of
    /// them are unanswered, and the bucket starts with `sent_so_far` taken out of it.
    void setLimits(double rate_per_second, double burst, std::size_t sent_so_far, TimePoint now);

    /// When the next request may go: now (or earlier), a later time, or nullopt when it must wait
    /// for a reply (the window is full).
    std::optional<TimePoint> nextSendAt(std::size_t in_flight, TimePoint now);
    /// A request went out at `now`.
    void onSent(TimePoint now);
    /// A reply arrived at `now`.
    void onReply(TimePoint now);

    bool limited() const { return rate_ > 0; }
    std::size_t window() const { return window_; }

private:
    void refill(TimePoint now);

    double rate_ = 0; // frames per second; 0: no limit known
    double burst_ = 0;
    std::size_t window_ = std::numeric_limits<std::size_t>::max();
    bool one_at_a_time_ = false; // a server burst under 2
    double tokens_ = 0;
    TimePoint refilled_at_{};
    std::optional<TimePoint> last_reply_;
};

} // namespace parley::client
