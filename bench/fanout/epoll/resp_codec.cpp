#include "resp_codec.hpp"

#include "side.hpp"

#include <cstring>

namespace parley::bench::epoll {

namespace {

/// The line from `pos` to its CRLF (exclusive); false when the CRLF has not arrived.
bool readLine(std::string_view bytes, std::size_t& pos, std::string_view& line) {
    const auto* start = bytes.data() + pos;
    const auto* cr = static_cast<const char*>(std::memchr(start, '\r', bytes.size() - pos));
    if (cr == nullptr || cr + 1 == bytes.data() + bytes.size()) {
        return false;
    }
    line = {start, static_cast<std::size_t>(cr - start)};
    pos += line.size() + 2;
    return true;
}

bool parseInteger(std::string_view digits, std::int64_t& value) {
    const bool negative = !digits.empty() && digits.front() == '-';
    if (negative) {
        digits.remove_prefix(1);
    }
    if (digits.empty() || digits.size() > 18) {
        return false;
    }
    value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    value = negative ? -value : value;
    return true;
}

RespStatus parseItem(std::string_view bytes, std::size_t& pos, RespItem& item) {
    if (pos >= bytes.size()) {
        return RespStatus::incomplete;
    }
    item.type = bytes[pos];
    std::size_t at = pos + 1;
    std::string_view line;
    if (!readLine(bytes, at, line)) {
        return bytes.size() - pos > 32 ? RespStatus::invalid : RespStatus::incomplete;
    }
    if (item.type == '+' || item.type == '-') {
        item.text = line;
    } else if (item.type == ':' || item.type == '$') {
        if (!parseInteger(line, item.integer)) {
            return RespStatus::invalid;
        }
    } else {
        return RespStatus::invalid;
    }
    if (item.type == '$') {
        item.null = item.integer < 0;
        if (!item.null) {
            const auto length = static_cast<std::size_t>(item.integer);
            if (length > kMaxFrameBytes) {
                return RespStatus::invalid;
            }
            if (bytes.size() - at < length + 2) {
                return RespStatus::incomplete;
            }
            item.text = bytes.substr(at, length);
            at += length + 2;
        }
    }
    pos = at;
    return RespStatus::complete;
}

} // namespace

RespStatus parseResp(std::string_view bytes, std::size_t& pos, RespValue& value) {
    if (pos >= bytes.size()) {
        return RespStatus::incomplete;
    }
    if (bytes[pos] != '*') {
        value.type = bytes[pos];
        value.count = 0;
        return parseItem(bytes, pos, value.scalar);
    }
    std::size_t at = pos + 1;
    std::string_view line;
    std::int64_t count = 0;
    if (!readLine(bytes, at, line)) {
        return bytes.size() - pos > 32 ? RespStatus::invalid : RespStatus::incomplete;
    }
    if (!parseInteger(line, count) || count < 0 ||
        count > static_cast<std::int64_t>(value.items.size())) {
        return RespStatus::invalid;
    }
    value.type = '*';
    value.count = static_cast<std::size_t>(count);
    for (std::size_t i = 0; i < value.count; ++i) {
        if (const RespStatus status = parseItem(bytes, at, value.items[i]);
            status != RespStatus::complete) {
            return status;
        }
    }
    pos = at;
    return RespStatus::complete;
}

void appendCommand(std::string& out, std::initializer_list<std::string_view> args) {
    out += '*';
    out += std::to_string(args.size());
    out += "\r\n";
    for (const std::string_view arg : args) {
        out += '$';
        out += std::to_string(arg.size());
        out += "\r\n";
        out += arg;
        out += "\r\n";
    }
}

} // namespace parley::bench::epoll
