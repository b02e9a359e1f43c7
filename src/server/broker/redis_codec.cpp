#include "server/broker/redis_codec.hpp"

#include <cstdint>
#include <memory>
#include <optional>

namespace parley::server {

namespace {

constexpr std::string_view kMagic = "PE1";

void putUnsigned(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
        out.push_back(static_cast<char>((value >> (8U * static_cast<unsigned>(i))) & 0xFFU));
    }
}

void putString(std::string& out, std::string_view text) {
    putUnsigned(out, text.size(), 4);
    out.append(text);
}

// Reads from the front of `rest`, never past its end.
class Reader {
public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}
    std::optional<std::uint64_t> unsignedOf(int bytes) {
        if (rest_.size() < static_cast<std::size_t>(bytes)) {
            return std::nullopt;
        }
        std::uint64_t value = 0;
        for (int i = 0; i < bytes; ++i) {
            value |= std::uint64_t{static_cast<unsigned char>(rest_[static_cast<std::size_t>(i)])}
                     << (8U * static_cast<unsigned>(i));
        }
        rest_.remove_prefix(static_cast<std::size_t>(bytes));
        return value;
    }
    std::optional<std::string_view> string() {
        const auto size = unsignedOf(4);
        if (!size || *size > rest_.size()) {
            return std::nullopt;
        }
        const std::string_view text = rest_.substr(0, *size);
        rest_.remove_prefix(*size);
        return text;
    }
    bool done() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

} // namespace

std::string encodeEvent(const ChannelEvent& event) {
    std::string out;
    const std::string_view frame = event.frame ? std::string_view{*event.frame} : "";
    out.reserve(kMagic.size() + 1 + 8 + 12 + event.channel.size() + event.identity.size() +
                frame.size());
    out.append(kMagic);
    putUnsigned(out, static_cast<std::uint8_t>(event.kind), 1);
    putUnsigned(out, static_cast<std::uint64_t>(event.index), 8);
    putString(out, event.channel);
    putString(out, event.identity);
    putString(out, frame);
    return out;
}

std::expected<ChannelEvent, EventDecodeError> decodeEvent(std::string_view bytes) {
    if (bytes.size() > kMaxEncodedEventBytes) {
        return std::unexpected(EventDecodeError::kTooLarge);
    }
    if (!bytes.starts_with(kMagic)) {
        return std::unexpected(EventDecodeError::kBadMagic);
    }
    Reader reader{bytes.substr(kMagic.size())};
    const auto kind = reader.unsignedOf(1);
    const auto index = reader.unsignedOf(8);
    const auto channel = reader.string();
    const auto identity = reader.string();
    const auto frame = reader.string();
    if (!kind || !index || !channel || !identity || !frame) {
        return std::unexpected(EventDecodeError::kTruncated);
    }
    if (!reader.done()) {
        return std::unexpected(EventDecodeError::kTrailingBytes);
    }
    return ChannelEvent{.kind = static_cast<ChannelEvent::Kind>(*kind),
                        .channel = std::string{*channel},
                        .identity = std::string{*identity},
                        .index = static_cast<std::int64_t>(*index),
                        .frame = std::make_shared<const std::string>(*frame)};
}

std::string_view describe(EventDecodeError error) {
    switch (error) {
    case EventDecodeError::kTooLarge:
        return "event too large";
    case EventDecodeError::kBadMagic:
        return "not a parley event";
    case EventDecodeError::kTruncated:
        return "event truncated";
    case EventDecodeError::kTrailingBytes:
        return "bytes after the event";
    }
    return "bad event";
}

} // namespace parley::server
