#pragma once

// `parley token mint | verify | inspect` (docs/operations.md, docs/client.md).

#include <CLI/CLI.hpp>

namespace parley::cli {

/// Adds the `token` subcommand to `app`. The chosen command's exit status is written to
/// `exit_code` when it runs: 0 success, 1 a token that is invalid or could not be minted.
void addTokenCommand(CLI::App& app, int& exit_code);

} // namespace parley::cli
