#pragma once

// What the examples share: a token from a shell command (standing in for the app's backend).

#include <parley/client/access_manager.hpp>

#include <array>
#include <cstdio>
#include <string>

namespace examples {

/// Runs `command` and reads the token it prints; an error if it fails or prints nothing.
inline parley::client::ProviderResult runTokenCommand(const std::string& command) {
    using parley::client::ProviderError;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return std::unexpected(ProviderError{.message = "cannot run the token command"});
    }
    std::string token;
    std::array<char, 4096> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) {
        token += chunk.data();
    }
    const int status = ::pclose(pipe);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
    }
    if (status != 0 || token.empty()) {
        return std::unexpected(ProviderError{.message = "the token command failed"});
    }
    return token;
}

} // namespace examples
