// The `parley` binary: wires the subcommands together and nothing else.

#include "cli/token_command.hpp"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"Parley: self-hosted real-time chat with short-lived access tokens"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "parley 0.1.0");
    int exit_code = 0;
    parley::cli::addTokenCommand(app, exit_code);
    CLI11_PARSE(app, argc, argv);
    return exit_code;
}
