#include "chat_frames.hpp"

#include <utility>

namespace parley::bench {

std::string requestFrame(std::uint64_t id, std::string_view op, nlohmann::json arguments) {
    arguments["id"] = id;
    arguments["op"] = op;
    return arguments.dump();
}

std::optional<ServerFrame> parseServerFrame(simdjson::dom::parser& parser, std::string_view text) {
    ServerFrame frame;
    if (parser.parse(text.data(), text.size()).get(frame.root) != simdjson::SUCCESS ||
        !frame.root.is_object()) {
        return std::nullopt;
    }
    simdjson::dom::element reply_to;
    if (frame.root["reply_to"].get(reply_to) == simdjson::SUCCESS) {
        frame.is_reply = true;
        std::uint64_t id = 0;
        if (reply_to.get_uint64().get(id) == simdjson::SUCCESS) {
            frame.reply_to = id;
        }
        if (frame.root["ok"].get_bool().get(frame.ok) != simdjson::SUCCESS) {
            frame.ok = false;
        }
        if (!frame.ok) {
            const auto error = frame.root["error"];
            if (error["code"].get_int64().get(frame.error_code) != simdjson::SUCCESS) {
                frame.error_code = 0;
            }
            if (error["message"].get_string().get(frame.error_message) != simdjson::SUCCESS) {
                frame.error_message = {};
            }
        }
        return frame;
    }
    if (frame.root["event"].get_string().get(frame.event) != simdjson::SUCCESS) {
        frame.event = {};
    }
    return frame;
}

std::string describeError(const ServerFrame& frame) {
    return std::to_string(frame.error_code) + " " + std::string{frame.error_message};
}

std::optional<MessageFields> messageFields(simdjson::dom::element message) {
    MessageFields fields;
    std::int64_t created_ms = 0;
    if (message["body"].get_string().get(fields.body) != simdjson::SUCCESS ||
        message["date_created"].get_int64().get(created_ms) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    fields.date_created =
        std::chrono::system_clock::time_point{std::chrono::milliseconds{created_ms}};
    return fields;
}

} // namespace parley::bench
