#include "load_connection.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <netinet/in.h>
#include <simdjson.h>

#include <utility>

namespace parley::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

std::string requestFrame(std::uint64_t id, std::string_view op, std::string_view token) {
    // Tokens are base64url segments and dots: nothing to escape.
    std::string frame;
    frame.reserve(token.size() + 48);
    frame.append(R"({"id":)").append(std::to_string(id)).append(R"(,"op":")").append(op);
    frame.append(R"(","token":")").append(token).append(R"("})");
    return frame;
}

std::int64_t int64Field(simdjson::dom::element frame, std::string_view key) {
    std::int64_t value = 0;
    if (frame[key].get_int64().get(value) != simdjson::SUCCESS) {
        return 0;
    }
    return value;
}

} // namespace

LoadConnection::LoadConnection(asio::io_context& io, const ServerAddress& server,
                               asio::ip::address_v4 source, std::string init_token,
                               LoadCounters& counters, std::function<void()> on_init_done)
    : io_(io), server_(server), source_(std::move(source)), ws_(io),
      pending_token_(std::move(init_token)), counters_(counters),
      on_init_done_(std::move(on_init_done)) {}

void LoadConnection::start() {
    record_.connect_started = std::chrono::steady_clock::now();
    auto& socket = ws_.next_layer().next_layer();
    boost::system::error_code error;
    socket.open(tcp::v4(), error);
    if (!error) {
        error = ws_.next_layer().enableStamps();
    }
    if (!error) {
        // Let connect() pick the source port per destination, so a source address is not limited
        // to one connection per ephemeral port across all destinations.
        const int on = 1;
        ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        socket.bind(tcp::endpoint{source_, 0}, error);
    }
    if (error) {
        noteError("bind", error);
        onEnded(error);
        return;
    }
    socket.async_connect(
        tcp::endpoint{server_.host, server_.port},
        [this](boost::system::error_code connect_error) { onConnect(connect_error); });
}

void LoadConnection::onConnect(boost::system::error_code error) {
    if (error) {
        noteError("connect", error);
        onEnded(error);
        return;
    }
    boost::system::error_code ignored;
    ws_.next_layer().next_layer().set_option(tcp::no_delay(true), ignored);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds{30};
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.text(true);
    ws_.async_handshake(
        server_.host.to_string() + ":" + std::to_string(server_.port), server_.target,
        [this](boost::system::error_code handshake_error) { onHandshake(handshake_error); });
}

void LoadConnection::onHandshake(boost::system::error_code error) {
    if (error) {
        noteError("handshake", error);
        onEnded(error);
        return;
    }
    ws_.next_layer().boundReadsToFrames();
    write(requestFrame(kInitId, "init", pending_token_));
    pending_token_ = std::string{};
    readNext();
}

void LoadConnection::sendUpdateToken(const std::string& token) {
    if (!record_.init_ok) {
        return;
    }
    if (record_.ended) {
        // The server ended this connection before the renewal: a renewal that cannot succeed.
        counters_.renew_failed.fetch_add(1);
        return;
    }
    record_.renew_sent = std::chrono::steady_clock::now();
    write(requestFrame(kRenewId, "update_token", token));
}

void LoadConnection::write(std::string frame) {
    out_ = std::move(frame);
    ws_.async_write(asio::buffer(out_), [this](boost::system::error_code error, std::size_t) {
        if (error) {
            // The read loop sees the same failure and does the accounting.
            noteError("write", error);
        }
    });
}

void LoadConnection::readNext() {
    ws_.async_read(buffer_,
                   [this](boost::system::error_code error, std::size_t) { onRead(error); });
}

void LoadConnection::onRead(boost::system::error_code error) {
    // The read time is taken before any parsing, so the client's own work on this frame is not in
    // it (the backlog of frames ahead of it is; the kernel's stamp has neither).
    const Arrival arrival{.stamped = ws_.next_layer().lastArrival(),
                          .read = std::chrono::system_clock::now(),
                          .steady = std::chrono::steady_clock::now()};
    if (error) {
        onEnded(error);
        return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handleFrame(text, arrival);
    readNext();
}

void LoadConnection::handleFrame(const std::string& text, const Arrival& arrival) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element frame;
    if (parser.parse(text).get(frame) != simdjson::SUCCESS) {
        counters_.unexpected_frames.fetch_add(1);
        return;
    }
    std::uint64_t reply_to = 0;
    if (frame["reply_to"].get_uint64().get(reply_to) == simdjson::SUCCESS) {
        bool ok = false;
        if (frame["ok"].get_bool().get(ok) != simdjson::SUCCESS) {
            ok = false;
        }
        if (!ok) {
            record_.error_code = int64Field(frame["error"], "code");
        }
        if (reply_to == kInitId && !init_done_) {
            record_.init_replied = arrival.steady;
            record_.init_expires_at = int64Field(frame, "expires_at");
            finishInit(ok);
        } else if (reply_to == kRenewId && record_.renew_replied == ConnectionRecord::Steady{}) {
            record_.renew_replied = arrival.steady;
            record_.renew_ok = ok;
            record_.renew_expires_at = int64Field(frame, "expires_at");
            (ok ? counters_.renew_ok : counters_.renew_failed).fetch_add(1);
        } else {
            counters_.unexpected_frames.fetch_add(1);
        }
        return;
    }
    std::string_view event;
    if (frame["event"].get_string().get(event) != simdjson::SUCCESS) {
        event = {};
    }
    if (event == "token_about_to_expire") {
        if (!record_.renew_ok) {
            ++record_.about_before_renew;
        } else if (record_.about_count++ == 0) {
            record_.about_arrival = arrival.stamped;
            record_.about_read = arrival.read;
            record_.about_server_ms = int64Field(frame, "server_time");
            record_.about_expires_at = int64Field(frame, "expires_at");
            counters_.about_to_expire.fetch_add(1);
        }
    } else if (event == "token_expired") {
        if (record_.expired_count++ == 0) {
            record_.expired_arrival = arrival.stamped;
            record_.expired_read = arrival.read;
            record_.expired_server_ms = int64Field(frame, "server_time");
            counters_.expired.fetch_add(1);
        }
    } else {
        counters_.unexpected_frames.fetch_add(1);
    }
}

void LoadConnection::finishInit(bool ok) {
    if (init_done_) {
        return;
    }
    init_done_ = true;
    record_.init_ok = ok;
    (ok ? counters_.init_ok : counters_.init_failed).fetch_add(1);
    if (on_init_done_) {
        on_init_done_();
    }
}

void LoadConnection::onEnded(boost::system::error_code error) {
    if (record_.ended) {
        return;
    }
    record_.ended = true;
    record_.close_code = error == websocket::error::closed ? ws_.reason().code : -1;
    if (error != websocket::error::closed) {
        noteError("read", error);
    }
    finishInit(false);
    if (record_.renew_sent != ConnectionRecord::Steady{} &&
        record_.renew_replied == ConnectionRecord::Steady{}) {
        counters_.renew_failed.fetch_add(1);
    }
    (record_.close_code == 4410 ? counters_.closed_token_expired : counters_.ended_other)
        .fetch_add(1);
}

void LoadConnection::abort() {
    aborted_ = true;
    boost::system::error_code ignored;
    ws_.next_layer().next_layer().close(ignored);
}

void LoadConnection::noteError(const char* where, boost::system::error_code error) {
    if (record_.error.empty() && !aborted_) {
        record_.error = std::string{where} + ": " + error.message();
    }
}

} // namespace parley::load
