#pragma once

// The server's log lines. Identities, channel names, token fields and other client-supplied text
// end up in log messages; written raw, a newline in an identity would end the line and let a
// client forge the next one ("... reason=shutdown\n2026-... info connection start: identity=root").
// So every message is escaped as it is formatted, whatever logged it: one event, one line.

#include <string>
#include <string_view>

namespace parley::server {

/// `text` with what could break a log line written as escapes: `\n`, `\r`, `\t`, other ASCII
/// control bytes and DEL as `\xHH`, the backslash itself as `\\` (so an escape in the input
/// cannot pass for one made here), and the Unicode line breakers NEL, LINE SEPARATOR and
/// PARAGRAPH SEPARATOR (and the other C1 controls) as `\uHHHH`. Everything else is kept.
std::string escapeForLog(std::string_view text);

/// Sets the default logger's format, `YYYY-MM-DDTHH:MM:SS.mmm LEVEL message`, with every
/// message passed through escapeForLog().
void useServerLogFormat();

} // namespace parley::server
