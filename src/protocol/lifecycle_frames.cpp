#include "protocol/lifecycle_frames.hpp"

#include <array>
#include <charconv>
#include <string_view>

namespace parley::protocol {

namespace {

// An int64 takes at most 20 characters with its sign.
using Digits = std::array<char, 24>;

std::string_view digits(std::int64_t value, Digits& buffer) {
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return {buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data())};
}

} // namespace

std::string tokenAboutToExpireFrame(std::int64_t expires_at, std::int64_t server_time_ms) {
    constexpr std::string_view kHead = R"({"event":"token_about_to_expire","expires_at":)";
    constexpr std::string_view kMiddle = R"(,"server_time":)";
    Digits exp_buffer{};
    Digits time_buffer{};
    const std::string_view exp = digits(expires_at, exp_buffer);
    const std::string_view time = digits(server_time_ms, time_buffer);
    std::string frame;
    frame.reserve(kHead.size() + exp.size() + kMiddle.size() + time.size() + 1);
    frame.append(kHead).append(exp).append(kMiddle).append(time).push_back('}');
    return frame;
}

std::string tokenExpiredFrame(std::int64_t server_time_ms) {
    constexpr std::string_view kHead = R"({"event":"token_expired","server_time":)";
    Digits time_buffer{};
    const std::string_view time = digits(server_time_ms, time_buffer);
    std::string frame;
    frame.reserve(kHead.size() + time.size() + 1);
    frame.append(kHead).append(time).push_back('}');
    return frame;
}

} // namespace parley::protocol
