#include "protocol/json_fields.hpp"

#include "protocol/json_text.hpp"

#include <limits>

namespace parley::protocol::fields {

const Json* find(const Json& object, std::string_view name) {
    if (!object.is_object()) {
        return nullptr;
    }
    const auto found = object.find(name);
    return found == object.end() || found->is_null() ? nullptr : &*found;
}

Decoded<std::string> string(const Json& object, std::string_view name, bool non_empty) {
    const Json* value = find(object, name);
    if (value == nullptr || !value->is_string() ||
        (non_empty && value->get_ref<const std::string&>().empty())) {
        return shapeError(std::string{name} +
                          (non_empty ? " must be a non-empty string" : " must be a string"));
    }
    return value->get<std::string>();
}

Decoded<std::optional<std::string>> optionalString(const Json& object, std::string_view name) {
    const Json* value = find(object, name);
    if (value == nullptr) {
        return std::optional<std::string>{};
    }
    if (!value->is_string()) {
        return shapeError(std::string{name} + " must be a string");
    }
    return std::optional<std::string>{value->get<std::string>()};
}

Decoded<std::optional<std::int64_t>> optionalInteger(const Json& object, std::string_view name) {
    const Json* value = find(object, name);
    if (value == nullptr) {
        return std::optional<std::int64_t>{};
    }
    if (!value->is_number_integer()) {
        return shapeError(std::string{name} + " must be an integer");
    }
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return shapeError(std::string{name} + " is out of range");
    }
    return std::optional<std::int64_t>{value->get<std::int64_t>()};
}

Decoded<std::int64_t> integer(const Json& object, std::string_view name) {
    auto value = optionalInteger(object, name);
    if (!value) {
        return std::unexpected(value.error());
    }
    if (!value->has_value()) {
        return shapeError(std::string{name} + " must be an integer");
    }
    return **value;
}

Decoded<std::string> attributes(const Json& object, std::size_t max_bytes) {
    const Json* value = find(object, "attributes");
    if (value == nullptr) {
        return std::string{"{}"};
    }
    if (!value->is_object()) {
        return shapeError("attributes must be a JSON object", ErrorCode::kInvalidAttributes);
    }
    std::string compact = compactJson(*value);
    if (compact.size() > max_bytes) {
        return shapeError("attributes larger than 16 KiB", ErrorCode::kInvalidAttributes);
    }
    return compact;
}

Json attributesObject(const std::string& compact) {
    if (compact == "{}") {
        return Json::object(); // most messages have none: no parse
    }
    auto parsed = Json::parse(compact, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : Json::object();
}

} // namespace parley::protocol::fields
