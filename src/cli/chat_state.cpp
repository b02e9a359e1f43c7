#include "cli/chat_state.hpp"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <system_error>

namespace parley::cli {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxStateBytes = std::size_t{1} << 20;
constexpr int kVersion = 1;

std::unexpected<StateFileFailure> failure(StateFileError code, std::string message) {
    return std::unexpected(StateFileFailure{.code = code, .message = std::move(message)});
}

// The whole file, or nothing when it does not exist.
std::expected<std::string, StateFileFailure> readAll(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    if (!in) {
        std::error_code error;
        if (!std::filesystem::exists(path, error)) {
            return std::string{};
        }
        return failure(StateFileError::kIo, "cannot be read");
    }
    std::string text(kMaxStateBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxStateBytes) {
        return failure(StateFileError::kTooLarge, "larger than 1 MiB");
    }
    return text;
}

bool validEntry(const Json& entry) {
    if (!entry.is_object()) {
        return false;
    }
    if (entry.contains("current") && !entry["current"].is_string()) {
        return false;
    }
    if (!entry.contains("channels")) {
        return true;
    }
    const Json& channels = entry["channels"];
    if (!channels.is_object()) {
        return false;
    }
    for (const auto& [sid, index] : channels.items()) {
        // -1: a channel seen while still empty (indexes start at 0).
        if (!index.is_number_integer() || index.get<std::int64_t>() < -1) {
            return false;
        }
    }
    return true;
}

// The file as JSON, checked against the shape in the header; an empty file is an empty state.
std::expected<Json, StateFileFailure> parse(const std::string& text) {
    if (text.empty()) {
        return Json{{"version", kVersion}, {"identities", Json::object()}};
    }
    Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
        return failure(StateFileError::kNotJson, "not JSON");
    }
    const auto version = root.is_object() ? root.find("version") : root.end();
    if (!root.is_object() || !root.contains("identities") || !root["identities"].is_object() ||
        version == root.end() || *version != kVersion) {
        return failure(StateFileError::kBadShape,
                       "not a version 1 state file (an \"identities\" object)");
    }
    for (const auto& [identity, entry] : root["identities"].items()) {
        if (!validEntry(entry)) {
            return failure(StateFileError::kBadShape,
                           "the entry of \"" + identity + "\" has the wrong shape");
        }
    }
    return root;
}

SeenState entryOf(const Json& root, const std::string& identity) {
    SeenState state;
    const auto found = root["identities"].find(identity);
    if (found == root["identities"].end()) {
        return state;
    }
    state.current = found->value("current", "");
    const Json channels = found->value("channels", Json::object());
    for (const auto& [sid, index] : channels.items()) {
        state.seen[sid] = index.get<std::int64_t>();
    }
    return state;
}

// Holds an exclusive flock on `path`.lock while alive.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& path)
        : fd_(::open((path.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd_ >= 0) {
            ::flock(fd_, LOCK_EX);
        }
    }
    ~FileLock() {
        if (fd_ >= 0) {
            ::close(fd_); // releases the lock
        }
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_;
};

std::expected<void, StateFileFailure> replace(const std::filesystem::path& path,
                                              const std::string& text) {
    const std::filesystem::path temporary =
        path.string() + ".tmp." + std::to_string(static_cast<long long>(::getpid()));
    {
        std::ofstream out{temporary, std::ios::binary | std::ios::trunc};
        out << text;
        if (!out.flush()) {
            return failure(StateFileError::kIo, "cannot be written");
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary, error);
        return failure(StateFileError::kIo, "cannot be replaced");
    }
    return {};
}

Json merged(const Json& old_entry, const SeenState& state, const std::set<std::string>& forgotten) {
    Json channels =
        old_entry.is_object() ? old_entry.value("channels", Json::object()) : Json::object();
    for (const auto& sid : forgotten) {
        channels.erase(sid);
    }
    for (const auto& [sid, index] : state.seen) {
        // Another client of the same identity may have seen further.
        if (!channels.contains(sid) || channels[sid].get<std::int64_t>() < index) {
            channels[sid] = index;
        }
    }
    return Json{{"current", state.current}, {"channels", channels}};
}

} // namespace

std::filesystem::path defaultStatePath() {
    // getenv is not thread-safe only against setenv, which this program never calls.
    // NOLINTNEXTLINE(concurrency-mt-unsafe)
    if (const char* state_home = std::getenv("XDG_STATE_HOME");
        state_home != nullptr && *state_home == '/') {
        return std::filesystem::path{state_home} / "parley" / "chat-state.json";
    }
    // NOLINTNEXTLINE(concurrency-mt-unsafe)
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return std::filesystem::path{home} / ".local" / "state" / "parley" / "chat-state.json";
    }
    return {};
}

std::expected<SeenState, StateFileFailure> loadSeenState(const std::filesystem::path& path,
                                                         const std::string& identity) {
    auto text = readAll(path);
    if (!text) {
        return std::unexpected(text.error());
    }
    auto root = parse(*text);
    if (!root) {
        return std::unexpected(root.error());
    }
    return entryOf(*root, identity);
}

std::expected<void, StateFileFailure> saveSeenState(const std::filesystem::path& path,
                                                    const std::string& identity,
                                                    const SeenState& state,
                                                    const std::set<std::string>& forgotten) {
    std::error_code error;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), error);
    }
    const FileLock lock{path};
    const auto text = readAll(path);
    auto root = text ? parse(*text) : std::unexpected(text.error());
    Json fresh =
        root ? std::move(*root) : Json{{"version", kVersion}, {"identities", Json::object()}};
    const Json old_entry = fresh["identities"].value(identity, Json::object());
    fresh["identities"][identity] = merged(old_entry, state, forgotten);
    return replace(path, fresh.dump());
}

} // namespace parley::cli
