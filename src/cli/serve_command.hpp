#pragma once

// `parley serve` (docs/operations.md, docs/client.md): flags, environment and config file into
// ServerOptions.

#include <CLI/CLI.hpp>

namespace parley::cli {

void addServeCommand(CLI::App& app, int& exit_code, const char* program);

} // namespace parley::cli
