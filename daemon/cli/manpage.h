// redwire(1), written from the same command table as `redwire --help`, so
// the manual cannot miss a command or an option the program accepts. The
// build runs `redwire --man` and installs its output.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace redwire::app {

// One row of the command table, as the manual needs it.
struct ManCommand {
  std::string name;                // "run"
  std::string summary;             // the one line of `redwire --help`
  std::string help;                // the text of `redwire help NAME`: usage lines, a blank line, the rest
  std::vector<std::string> flags;  // every flag it accepts, "--config"
};

// The roff source of the page: NAME, SYNOPSIS (every command's usage lines),
// DESCRIPTION, COMMANDS (each command's help and flag list), OPTIONS,
// SIGNALS, SYSTEMD, EXIT STATUS, FILES, EXAMPLES, SEE ALSO. Text taken from
// the table is escaped for roff; non-ASCII characters become \[uXXXX].
// Depends only on its arguments (no date), so the output is reproducible.
std::string ManPage(const std::vector<ManCommand>& commands, std::string_view version);

}  // namespace redwire::app
