// The `parley` binary: wires the subcommands together and nothing else.

#include "cli/chat_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/token_command.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

namespace {

// Exit statuses: 0 success, 1 the command's own failure (an invalid token, say), 2 bad usage or
// a start-up error.
constexpr int kUsageError = 2;

int run(int argc, char** argv) {
    CLI::App app{"Parley: self-hosted real-time chat with short-lived access tokens"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "parley 0.1.0");
    int exit_code = 0;
    parley::cli::addServeCommand(app, exit_code, argv[0]);
    parley::cli::addTokenCommand(app, exit_code);
    parley::cli::addChatCommand(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int status = app.exit(error);
        return status == 0 ? 0 : kUsageError;
    }
    return exit_code;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "parley: " << error.what() << '\n';
        return kUsageError;
    }
}
