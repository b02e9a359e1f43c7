#include "raw_ws_client.hpp"

#include <boost/asio/write.hpp>
#include <poll.h>

#include <array>
#include <stdexcept>

namespace parley::testing {

namespace {

using boost::asio::ip::tcp;

constexpr std::uint8_t kFinBit = 0x80;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint8_t kLength16 = 126;
constexpr std::uint8_t kLength64 = 127;
constexpr std::array<std::uint8_t, 4> kMaskKey = {0x37, 0xfa, 0x21, 0x3d};

std::string frame(WsOpcode opcode, std::string_view payload, bool fin, bool masked) {
    std::string out;
    out.push_back(static_cast<char>((fin ? kFinBit : 0) | static_cast<std::uint8_t>(opcode)));
    const std::uint8_t mask = masked ? kMaskBit : 0;
    if (payload.size() < kLength16) {
        out.push_back(static_cast<char>(mask | payload.size()));
    } else if (payload.size() <= 0xffff) {
        out.push_back(static_cast<char>(mask | kLength16));
        out.push_back(static_cast<char>(payload.size() >> 8U));
        out.push_back(static_cast<char>(payload.size() & 0xffU));
    } else {
        out.push_back(static_cast<char>(mask | kLength64));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(
                static_cast<char>((payload.size() >> static_cast<unsigned>(shift)) & 0xffU));
        }
    }
    if (!masked) {
        return out.append(payload);
    }
    out.append(kMaskKey.begin(), kMaskKey.end());
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ kMaskKey[i % 4]));
    }
    return out;
}

std::uint8_t byteAt(const std::string& bytes, std::size_t at) {
    return static_cast<std::uint8_t>(bytes[at]);
}

} // namespace

std::string clientFrame(WsOpcode opcode, std::string_view payload, bool fin) {
    return frame(opcode, payload, fin, true);
}

std::string unmaskedClientFrame(WsOpcode opcode, std::string_view payload) {
    return frame(opcode, payload, true, false);
}

std::string closePayload(std::uint16_t code, std::string_view reason) {
    std::string out{static_cast<char>(code >> 8U), static_cast<char>(code & 0xffU)};
    return out.append(reason);
}

std::string upgradeRequest(std::string_view key, std::string_view version) {
    std::string request = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\n";
    if (!key.empty()) {
        request.append("Sec-WebSocket-Key: ").append(key).append("\r\n");
    }
    if (!version.empty()) {
        request.append("Sec-WebSocket-Version: ").append(version).append("\r\n");
    }
    return request.append("\r\n");
}

std::uint16_t ServerFrame::closeCode() const {
    constexpr std::uint16_t kNoStatus = 1005;
    if (payload.size() < 2) {
        return kNoStatus;
    }
    return static_cast<std::uint16_t>(byteAt(payload, 0) << 8U | byteAt(payload, 1));
}

std::string ServerFrame::closeReason() const {
    return payload.size() < 2 ? std::string{} : payload.substr(2);
}

RawWsClient::RawWsClient(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(tcp::no_delay(true));
}

void RawWsClient::upgrade() {
    sendRaw(upgradeRequest());
    const auto head = readHttpHead();
    if (!head || !head->starts_with("HTTP/1.1 101")) {
        throw std::runtime_error("upgrade refused: " + head.value_or("(no answer)"));
    }
}

void RawWsClient::sendRaw(std::string_view bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()));
}

std::optional<std::string> RawWsClient::readHttpHead(std::chrono::milliseconds timeout) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const std::size_t end = buffer_.find("\r\n\r\n");
        if (end != std::string::npos) {
            std::string head = buffer_.substr(0, end + 2);
            buffer_.erase(0, end + 4);
            return head;
        }
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
}

std::optional<ServerFrame> RawWsClient::readFrame(std::chrono::milliseconds timeout) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto frame = takeFrame()) {
            return frame;
        }
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
}

std::optional<ServerFrame> RawWsClient::readNonPing(std::chrono::milliseconds timeout) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto frame = readFrame(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        if (!frame || frame->opcode != WsOpcode::kPing) {
            return frame;
        }
    }
}

bool RawWsClient::waitForEnd(std::chrono::milliseconds timeout) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout;
    while (!ended_ && fill(deadline)) {
    }
    return ended_;
}

bool RawWsClient::fill(Deadline deadline) {
    if (ended_) {
        return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd readable{.fd = socket_.native_handle(), .events = POLLIN, .revents = 0};
    if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
        return false;
    }
    std::array<char, std::size_t{64} << 10U> chunk{};
    boost::system::error_code error;
    const std::size_t n = socket_.read_some(boost::asio::buffer(chunk), error);
    if (error) { // EOF, or a reset: either way the server ended the connection
        ended_ = true;
        return false;
    }
    buffer_.append(chunk.data(), n);
    return true;
}

std::optional<ServerFrame> RawWsClient::takeFrame() {
    if (buffer_.size() < 2) {
        return std::nullopt;
    }
    const bool masked = (byteAt(buffer_, 1) & kMaskBit) != 0;
    std::size_t length = byteAt(buffer_, 1) & 0x7fU;
    std::size_t header = 2;
    if (length >= kLength16) {
        const std::size_t length_bytes = length == kLength16 ? 2 : 8;
        if (buffer_.size() < header + length_bytes) {
            return std::nullopt;
        }
        length = 0;
        for (std::size_t i = 0; i < length_bytes; ++i) {
            length = length << 8U | byteAt(buffer_, header + i);
        }
        header += length_bytes;
    }
    // Servers never mask; a masked frame is kept whole, key included, for the test to see.
    const std::size_t key_bytes = masked ? 4 : 0;
    if (buffer_.size() < header + key_bytes + length) {
        return std::nullopt;
    }
    ServerFrame frame{.fin = (byteAt(buffer_, 0) & kFinBit) != 0,
                      .opcode = static_cast<WsOpcode>(byteAt(buffer_, 0) & 0x0fU),
                      .payload = buffer_.substr(header, key_bytes + length)};
    buffer_.erase(0, header + key_bytes + length);
    return frame;
}

} // namespace parley::testing
