#pragma once

// The heavy user of the fairness run: it fills a channel with large messages, then reads the
// whole channel back with `message.history` again and again, one request in flight, newest page
// first and then paging on by index (`before`) down to index 0. A server without a cap on a
// reply's size answers `limit` 500 with the whole channel (16.5 MB with the defaults) at once; one
// that caps a reply at 1 MiB needs about 16 pages per read. Every read is checked to have
// returned every message.
//
// Threading: start() and startReading() run on the io_context's thread (the run posts them);
// stopReading() and the other accessors may be called from any thread.

#include "chat_socket.hpp"
#include "first_error.hpp"

#include <simdjson.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace parley::bench {

struct HeavyOptions {
    std::size_t messages = 500;
    /// The protocol's largest body, 32 KiB.
    std::size_t body_bytes = 32768;
    /// `limit` of each message.history request (the protocol's largest).
    std::size_t page = 500;
    /// message.send requests in flight while filling.
    std::size_t fill_window = 8;
};

class HeavyReader {
public:
    HeavyReader(boost::asio::io_context& io, const Endpoint& server, std::string token,
                HeavyOptions options);

    /// Connects, creates the channel and sends the messages; filled() once every one was
    /// acknowledged and came back as an event.
    void start();
    /// Loops message.history until stopReading().
    void startReading();
    /// Any thread: the page in flight is the last.
    void stopReading() { reading_.store(false); }

    bool filled() const { return filled_.load(); }
    bool failed() const { return error_.failed(); }
    std::string error() const { return error_.what(); }
    std::uint64_t pages() const { return pages_.load(); }
    /// Reads of the whole channel completed.
    std::uint64_t reads() const { return reads_.load(); }
    std::uint64_t pageBytes() const { return page_bytes_.load(); }
    bool requestInFlight() const { return in_flight_.load(); }

private:
    static constexpr std::uint64_t kInitId = 1;
    static constexpr std::uint64_t kCreateId = 2;
    static constexpr std::uint64_t kFirstId = 3;

    void onFrame(std::string_view text);
    void onReply(std::uint64_t id, simdjson::dom::element root);
    void sendMessage();
    void requestPage(std::optional<std::uint64_t> before);
    void onPage(simdjson::dom::element root);
    void fail(const std::string& why);

    PlainChatSocket socket_;
    simdjson::dom::parser parser_;
    std::string token_;
    HeavyOptions options_;
    std::string body_;
    std::string channel_sid_;
    std::uint64_t next_id_ = kFirstId;
    std::size_t sent_ = 0;
    std::size_t acked_ = 0;
    std::size_t events_ = 0;
    /// Messages received in the read of the channel under way.
    std::size_t read_messages_ = 0;
    /// Size of the frame being handled.
    std::size_t frame_bytes_ = 0;
    std::atomic<bool> filled_{false};
    std::atomic<bool> reading_{false};
    std::atomic<bool> in_flight_{false};
    std::atomic<std::uint64_t> pages_{0};
    std::atomic<std::uint64_t> reads_{0};
    std::atomic<std::uint64_t> page_bytes_{0};
    FirstError error_;
};

} // namespace parley::bench
