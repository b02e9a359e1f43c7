#include "cli/token_command_provider.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace parley::cli {

namespace {

constexpr std::size_t kMaxOutput = std::size_t{64} * 1024;
constexpr int kTerminalStatus = 77; // EX_NOPERM, sysexits.h

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

} // namespace

client::ProviderResult runTokenCommand(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r"); // NOLINT(cert-env33-c): running it is the point
    if (pipe == nullptr) {
        return std::unexpected(client::ProviderError{.message = "cannot run the token command"});
    }
    std::string output;
    std::array<char, 4096> chunk{};
    std::size_t read = 0;
    while ((read = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) {
        if (output.size() + read > kMaxOutput) {
            ::pclose(pipe);
            return std::unexpected(
                client::ProviderError{.message = "the token command printed more than 64 KiB"});
        }
        output.append(chunk.data(), read);
    }
    const int status = ::pclose(pipe);
    if (status == -1 || !WIFEXITED(status)) {
        return std::unexpected(client::ProviderError{.message = "the token command did not exit"});
    }
    const int code = WEXITSTATUS(status);
    if (code != 0) {
        return std::unexpected(client::ProviderError{
            .terminal = code == kTerminalStatus,
            .message = "the token command exited with status " + std::to_string(code)});
    }
    std::string token = trimmed(output);
    if (token.empty()) {
        return std::unexpected(
            client::ProviderError{.message = "the token command printed nothing"});
    }
    return token;
}

} // namespace parley::cli
