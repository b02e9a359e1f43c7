#pragma once

// `parley chat` (docs/operations.md, docs/client.md): a terminal client on the SDK that shows the
// token lifecycle.

#include <CLI/CLI.hpp>

namespace parley::cli {

void addChatCommand(CLI::App& app, int& exit_code);

} // namespace parley::cli
