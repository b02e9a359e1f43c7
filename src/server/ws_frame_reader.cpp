#include "server/ws_frame_reader.hpp"

#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>

namespace parley::server {

namespace {

constexpr std::uint8_t kOpContinuation = 0x0;
constexpr std::uint8_t kOpText = 0x1;
constexpr std::uint8_t kOpBinary = 0x2;
constexpr std::uint8_t kOpClose = 0x8;
constexpr std::uint8_t kOpPing = 0x9;
constexpr std::uint8_t kOpPong = 0xA;

constexpr std::uint8_t kFinBit = 0x80;
constexpr std::uint8_t kReservedBitsMask = 0x70;
constexpr std::uint8_t kOpcodeMask = 0x0F;
constexpr std::uint8_t kControlBit = 0x08;
constexpr std::uint8_t kMaskBit = 0x80;
constexpr std::uint8_t kLengthMask = 0x7F;
constexpr std::uint8_t kLength16 = 126;
constexpr std::uint8_t kLength64 = 127;
constexpr std::uint64_t kMaxControlPayload = 125;
constexpr std::uint64_t kLength7Max = 125;
constexpr std::uint64_t kLength16Max = 0xFFFF;
constexpr std::uint64_t kLength64TopBit = std::uint64_t{1} << 63U;
constexpr std::size_t kMaskSize = 4;

struct FrameHeader {
    bool fin = false;
    std::uint8_t opcode = 0;
    std::uint64_t length = 0;
    std::array<std::uint8_t, kMaskSize> mask{};
    std::size_t size = 0; // bytes of header, mask included
};

std::uint8_t byteAt(std::string_view bytes, std::size_t index) {
    return static_cast<std::uint8_t>(bytes[index]);
}

bool knownOpcode(std::uint8_t opcode) {
    switch (opcode) {
    case kOpContinuation:
    case kOpText:
    case kOpBinary:
    case kOpClose:
    case kOpPing:
    case kOpPong:
        return true;
    default:
        return false;
    }
}

// RFC 6455, 7.4: what an endpoint may put in a close frame. 1004-1006 and 1015 are reserved or
// only for reporting locally; 1016-2999 are for future protocol revisions.
bool closeCodeAllowed(std::uint16_t code) {
    constexpr std::uint16_t kFirstDefined = 1000;
    constexpr std::uint16_t kLastProtocol = 1015;
    constexpr std::uint16_t kFirstRegistered = 3000;
    constexpr std::uint16_t kLastPrivate = 4999;
    if (code < kFirstDefined || code > kLastPrivate) {
        return false;
    }
    if (code >= kFirstRegistered) {
        return true;
    }
    return code < kLastProtocol && code != 1004 && code != 1005 && code != 1006;
}

// The header at the front of `bytes`, nullopt while it is incomplete. Each check runs as soon as
// the bytes it needs are there, so a bad frame fails on its first bytes whatever the split.
std::expected<std::optional<FrameHeader>, WsReadError> readHeader(std::string_view bytes) {
    if (bytes.empty()) {
        return std::nullopt;
    }
    const std::uint8_t first = byteAt(bytes, 0);
    FrameHeader header{.fin = (first & kFinBit) != 0,
                       .opcode = static_cast<std::uint8_t>(first & kOpcodeMask)};
    const bool control = (header.opcode & kControlBit) != 0;
    if ((first & kReservedBitsMask) != 0) {
        return std::unexpected(WsReadError::kReservedBits);
    }
    if (!knownOpcode(header.opcode)) {
        return std::unexpected(WsReadError::kUnknownOpcode);
    }
    if (control && !header.fin) {
        return std::unexpected(WsReadError::kFragmentedControl);
    }
    if (bytes.size() < 2) {
        return std::nullopt;
    }
    const std::uint8_t second = byteAt(bytes, 1);
    if ((second & kMaskBit) == 0) {
        return std::unexpected(WsReadError::kUnmaskedFrame);
    }
    const std::uint8_t length7 = second & kLengthMask;
    if (control && length7 > kMaxControlPayload) {
        return std::unexpected(WsReadError::kControlTooLong);
    }
    if (header.opcode == kOpClose && length7 == 1) {
        return std::unexpected(WsReadError::kCloseTooShort);
    }
    std::size_t length_bytes = 0;
    if (length7 == kLength16) {
        length_bytes = 2;
    } else if (length7 == kLength64) {
        length_bytes = 8;
    }
    header.size = 2 + length_bytes + kMaskSize;
    if (bytes.size() < 2 + length_bytes) {
        return std::nullopt;
    }
    header.length = length7;
    if (length_bytes > 0) {
        header.length = 0;
        for (std::size_t i = 0; i < length_bytes; ++i) { // network byte order
            header.length = (header.length << 8U) | byteAt(bytes, 2 + i);
        }
        if ((header.length & kLength64TopBit) != 0) {
            return std::unexpected(WsReadError::kLengthTopBit);
        }
        const std::uint64_t shorter_max = length_bytes == 2 ? kLength7Max : kLength16Max;
        if (header.length <= shorter_max) {
            return std::unexpected(WsReadError::kNonMinimalLength);
        }
    }
    if (bytes.size() < header.size) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < kMaskSize; ++i) {
        header.mask.at(i) = byteAt(bytes, 2 + length_bytes + i);
    }
    return header;
}

// XORs `size` bytes with the mask, starting at position `offset` of the mask.
void unmask(char* data, std::size_t size, const std::array<std::uint8_t, kMaskSize>& mask,
            std::size_t offset) {
    for (std::size_t i = 0; i < size; ++i) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): a checked range.
        data[i] = static_cast<char>(static_cast<std::uint8_t>(data[i]) ^
                                    mask.at((offset + i) % kMaskSize));
    }
}

} // namespace

WsFrameReader::WsFrameReader(std::size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes) {}

void WsFrameReader::feed(std::span<const char> bytes) {
    if (failed_) {
        return;
    }
    std::string_view unparsed{bytes.data(), bytes.size()};
    // The common case parses straight from the caller's bytes, so a data frame's payload is
    // copied once, unmasked, into the message; only what is left goes through input_.
    if (input_.empty() && !message_ready_ && parse(unparsed) == Stop::kFailed) {
        return;
    }
    if (unparsed.empty()) {
        return;
    }
    input_.erase(0, input_pos_);
    input_pos_ = 0;
    if (unparsed.size() > std::numeric_limits<std::uint32_t>::max() - input_.size()) {
        throw std::length_error("WsFrameReader: 4 GiB fed without calling next()");
    }
    input_.append(unparsed);
}

std::expected<WsEvent, WsReadError> WsFrameReader::next() {
    if (failed_) {
        return std::unexpected(error_);
    }
    if (message_ready_) {
        return takeMessage();
    }
    std::string_view unparsed = std::string_view{input_}.substr(input_pos_);
    switch (parse(unparsed)) {
    case Stop::kFailed:
        return std::unexpected(error_);
    case Stop::kNeedMore:
        keepUnparsed(unparsed, true);
        return WsEvent{};
    case Stop::kMessage:
        keepUnparsed(unparsed, false);
        return takeMessage();
    case Stop::kControl:
        break;
    }
    auto event = takeControl(unparsed);
    if (event) {
        keepUnparsed(unparsed, false);
    }
    return event;
}

bool WsFrameReader::idle() const {
    return input_.empty() && !in_frame_ && !message_ready_ && message_kind_ == WsEventKind::kNone;
}

std::size_t WsFrameReader::heapBytes() const {
    // A string's characters are on the heap unless they sit in its inline buffer, inside the
    // string object itself.
    const auto heap = [](const std::string& text) -> std::size_t {
        const auto* object = static_cast<const void*>(&text);
        const auto* end = static_cast<const void*>(&text + 1);
        const std::less<> before; // a total order, unlike < on unrelated pointers
        const bool inline_buffer = !before(text.data(), object) && before(text.data(), end);
        return inline_buffer ? 0 : text.capacity();
    };
    return heap(message_) + heap(input_);
}

// Consumes data frames from `bytes` until a message is complete, a control frame is whole at the
// front of `bytes` (left there for takeControl), more bytes are needed, or an error.
WsFrameReader::Stop WsFrameReader::parse(std::string_view& bytes) {
    for (;;) {
        if (in_frame_) {
            appendPayload(bytes);
            if (frame_remaining_ > 0) {
                return Stop::kNeedMore;
            }
            in_frame_ = false;
            if (frame_fin_) {
                return finishMessage();
            }
            continue;
        }
        const auto header = readHeader(bytes);
        if (!header) {
            return fail(header.error());
        }
        if (!header->has_value()) {
            return Stop::kNeedMore;
        }
        const FrameHeader& frame = **header;
        if ((frame.opcode & kControlBit) != 0) {
            // A control frame is returned whole; at most 131 bytes wait for the rest of it.
            return bytes.size() - frame.size >= frame.length ? Stop::kControl : Stop::kNeedMore;
        }
        if (const Stop stop = startDataFrame(frame.fin, frame.opcode, frame.length);
            stop == Stop::kFailed) {
            return stop;
        }
        mask_ = frame.mask;
        bytes.remove_prefix(frame.size);
    }
}

WsFrameReader::Stop WsFrameReader::startDataFrame(bool fin, std::uint8_t opcode,
                                                  std::uint64_t length) {
    const bool message_open = message_kind_ != WsEventKind::kNone;
    if (opcode == kOpContinuation && !message_open) {
        return fail(WsReadError::kUnexpectedContinuation);
    }
    if (opcode != kOpContinuation && message_open) {
        return fail(WsReadError::kUnfinishedMessage);
    }
    // Refused on the announced length, before any of the payload is kept.
    if (length > max_message_bytes_ - message_.size()) {
        return fail(WsReadError::kMessageTooBig);
    }
    if (opcode != kOpContinuation) {
        message_kind_ = opcode == kOpText ? WsEventKind::kText : WsEventKind::kBinary;
    }
    in_frame_ = true;
    frame_fin_ = fin;
    frame_remaining_ = length;
    mask_offset_ = 0;
    return Stop::kNeedMore;
}

// The message grows as its bytes arrive, not by the announced length up front: a client that
// sends headers and then stalls would otherwise pin max_message_bytes per connection.
void WsFrameReader::appendPayload(std::string_view& bytes) {
    const auto count =
        static_cast<std::size_t>(std::min<std::uint64_t>(frame_remaining_, bytes.size()));
    const std::size_t old_size = message_.size();
    message_.append(bytes.substr(0, count));
    unmask(message_.data() + old_size, count, mask_, mask_offset_);
    mask_offset_ = static_cast<std::uint8_t>((mask_offset_ + count) % kMaskSize);
    frame_remaining_ -= count;
    bytes.remove_prefix(count);
}

// UTF-8 is checked on the whole message: a code point may straddle fragments, and simdjson's
// validator is fast enough that checking once beats carrying a decoder state between frames.
WsFrameReader::Stop WsFrameReader::finishMessage() {
    if (message_kind_ == WsEventKind::kText && !simdjson::validate_utf8(message_)) {
        return fail(WsReadError::kTextNotUtf8);
    }
    message_ready_ = true;
    return Stop::kMessage;
}

std::expected<WsEvent, WsReadError> WsFrameReader::takeControl(std::string_view& bytes) {
    const FrameHeader frame = **readHeader(bytes); // parse() found it whole and valid
    const auto length = static_cast<std::size_t>(frame.length);
    WsEvent event;
    event.payload.assign(bytes.substr(frame.size, length));
    unmask(event.payload.data(), length, frame.mask, 0);
    bytes.remove_prefix(frame.size + length);
    switch (frame.opcode) {
    case kOpPing:
        event.kind = WsEventKind::kPing;
        return event;
    case kOpPong:
        event.kind = WsEventKind::kPong;
        return event;
    default:
        break;
    }
    event.kind = WsEventKind::kClose;
    if (event.payload.empty()) {
        event.close_code = kCloseNoStatus;
        return event;
    }
    event.close_code =
        static_cast<std::uint16_t>((byteAt(event.payload, 0) << 8U) | byteAt(event.payload, 1));
    if (!closeCodeAllowed(event.close_code)) {
        fail(WsReadError::kBadCloseCode);
        return std::unexpected(error_);
    }
    event.payload.erase(0, 2);
    if (!simdjson::validate_utf8(event.payload)) {
        fail(WsReadError::kCloseReasonNotUtf8);
        return std::unexpected(error_);
    }
    return event;
}

WsEvent WsFrameReader::takeMessage() {
    WsEvent event{.kind = message_kind_};
    event.payload.swap(message_); // leaves message_ empty, without heap memory
    message_kind_ = WsEventKind::kNone;
    message_ready_ = false;
    return event;
}

// Keeps only `unparsed`, the tail of input_; input_'s memory is released when that is nothing.
// When parsing stopped for want of bytes, the tail is a partial header or control frame (at most
// 130 bytes) and moves to the front, where a partial header fits the string's inline buffer;
// after an event, more events may follow at once, and only the position moves.
void WsFrameReader::keepUnparsed(std::string_view unparsed, bool need_more) {
    if (unparsed.empty()) {
        std::string().swap(input_);
        input_pos_ = 0;
    } else if (need_more) {
        std::string{unparsed}.swap(input_);
        input_pos_ = 0;
    } else {
        input_pos_ = static_cast<std::uint32_t>(input_.size() - unparsed.size());
    }
}

WsFrameReader::Stop WsFrameReader::fail(WsReadError error) {
    failed_ = true;
    error_ = error;
    std::string().swap(message_);
    std::string().swap(input_);
    input_pos_ = 0;
    in_frame_ = false;
    message_ready_ = false;
    message_kind_ = WsEventKind::kNone;
    return Stop::kFailed;
}

} // namespace parley::server
