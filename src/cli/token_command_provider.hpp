#pragma once

// `parley chat --token-command CMD`: the SDK's token provider as a shell command. The command
// prints a token on stdout and exits 0; exit status 77 (EX_NOPERM) means "this user may no longer
// have a token" and stops renewal; any other failure is transient and retried with backoff.

#include <parley/client/access_manager.hpp>

#include <string>

namespace parley::cli {

/// Runs `command` once with /bin/sh and reads its token (at most 64 KiB, trimmed).
client::ProviderResult runTokenCommand(const std::string& command);

} // namespace parley::cli
