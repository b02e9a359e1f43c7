#pragma once

// One member of the fan-out channel: its own identity on its own connection. Every member counts
// the `message` events it receives and, while the run is measuring, how late each one was; the
// first few members are also senders that keep a window of `message.send` requests in flight.
//
// Threading: every member function but received() and unreadBytes() runs on the thread of the
// member's io_context (the run posts to it). Those two and the counters in FanoutShared may be
// read from any thread;
// the latency samples only once the io threads have stopped.

#include "chat_socket.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bench {

/// State every member and the run's driver share.
struct FanoutShared {
    std::string channel_sid;
    std::size_t body_bytes = 100;
    /// Latency samples are kept only while this is set.
    std::atomic<bool> measuring{false};
    /// Senders send a new message for each reply only while this is set and `paused` is not.
    std::atomic<bool> sending{false};
    /// Set by the run's lag guard while the slowest member is too far behind (see fanout_run.hpp).
    std::atomic<bool> paused{false};
    std::atomic<std::uint64_t> sends_acked{0};
    std::atomic<std::uint64_t> sends_failed{0};
    std::atomic<std::uint64_t> sends_in_flight{0};
    std::atomic<std::size_t> members_ready{0};
    std::atomic<std::size_t> members_failed{0};
    std::atomic<std::uint64_t> unexpected_frames{0};
    /// Size of one `message` event frame, to turn bytes waiting into frames waiting.
    std::atomic<std::size_t> event_bytes{0};

    /// Keeps the first thing that went wrong, for the report.
    void note(const std::string& why);
    /// Counts a failed member and notes why.
    void fail(const std::string& why);
    std::string firstError() const;

private:
    mutable std::mutex error_mutex_;
    std::string first_error_;
};

class FanoutMember {
public:
    /// `on_settled` runs once, on the io thread, when init succeeded or the member failed.
    FanoutMember(boost::asio::io_context& io, const Endpoint& server, std::string identity,
                 std::string token, FanoutShared& shared, std::function<void()> on_settled);

    /// Connects, sends init and keeps reading.
    void start();
    /// Sends `window` messages, then one more for each reply (FanoutShared::sending).
    void startSending(std::size_t window);
    /// Refills the window slots left empty while the lag guard paused the senders.
    void resumeSending();
    /// Closes the connection at the end of the run (no failure is counted).
    void close();

    const std::string& identity() const { return identity_; }
    std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
    /// Any thread: bytes from the server waiting in the kernel for this member to read.
    std::size_t unreadBytes() const { return socket_.unreadBytes(); }
    /// From the sender's clock at send to receipt here, in microseconds.
    std::vector<std::uint32_t>& sendToReceipt() { return send_to_receipt_; }
    /// From the server's date_created (whole ms) to receipt here, in microseconds.
    std::vector<std::uint32_t>& commitToReceipt() { return commit_to_receipt_; }

private:
    static constexpr std::uint64_t kInitId = 1;

    void onFrame(std::string_view text);
    void onInitReply(bool ok, const std::string& why);
    void onSendReply(bool ok, const std::string& why);
    void onMessage(std::string_view body, std::chrono::system_clock::time_point date_created);
    void sendMessage();
    void settle();
    void fail(const std::string& why);

    PlainChatSocket socket_;
    std::string identity_;
    std::string token_;
    FanoutShared& shared_;
    std::function<void()> on_settled_;
    bool settled_ = false;
    bool closing_ = false;
    std::uint64_t next_id_ = kInitId + 1;
    /// Window slots whose reply came while sending was paused or stopped.
    std::size_t idle_slots_ = 0;
    std::atomic<std::uint64_t> received_{0};
    std::vector<std::uint32_t> send_to_receipt_;
    std::vector<std::uint32_t> commit_to_receipt_;
};

} // namespace parley::bench
