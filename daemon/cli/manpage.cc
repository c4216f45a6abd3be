#include "daemon/cli/manpage.h"

#include <cstdint>
#include <cstdio>

namespace redwire::app {
namespace {

// Escapes one line of plain text for roff: backslashes, minus signs (so
// options render as the ASCII hyphen a reader can paste), a leading control
// character, and every non-ASCII character as \[uXXXX] so the page needs no
// input encoding.
std::string Roff(std::string_view line) {
  std::string out;
  if (!line.empty() && (line[0] == '.' || line[0] == '\'')) out += "\\&";
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A UTF-8 sequence (the table is ours and valid UTF-8).
      const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
      std::uint32_t code = c & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < line.size(); ++k) {
        code = (code << 6) | (static_cast<unsigned char>(line[++i]) & 0x3F);
      }
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, "\\[u%04X]", static_cast<unsigned>(code));
      out += buffer;
    }
  }
  return out;
}

// Lines of `text`, without their newlines.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The help text of a command is its usage lines ("usage: ..." and the lines
// indented under it), a blank line and the description; the usage goes to
// SYNOPSIS, the description under COMMANDS.
struct SplitHelp {
  std::vector<std::string> usage;
  std::vector<std::string_view> body;
};

SplitHelp Split(std::string_view help) {
  SplitHelp split;
  bool in_usage = true;
  for (std::string_view line : Lines(help)) {
    if (in_usage && line.empty()) {
      in_usage = false;
      continue;
    }
    if (in_usage) {
      // A usage line, or the continuation of a long one, kept indented.
      if (line.rfind("usage: ", 0) == 0) line.remove_prefix(7);
      const auto start = line.find_first_not_of(' ');
      if (start == std::string_view::npos) continue;
      line.remove_prefix(start);
      split.usage.push_back(line.rfind("redwire ", 0) == 0 ? std::string(line) : "    " + std::string(line));
    } else {
      split.body.push_back(line);
    }
  }
  while (!split.body.empty() && split.body.back().empty()) split.body.pop_back();
  return split;
}

constexpr const char* kDescription = R"(.SH DESCRIPTION
.B redwire
polls the RSS, Atom and JSON feeds (and, with scrape rules, the web pages)
of communist and workers' parties and their youth organisations, stores
every item in one SQLite database, sorts the items into topics by rules the
operator writes, and serves one merged Atom feed per topic, per source and
for everything over HTTP.
.PP
The configuration is every
.I *.toml
file in the configuration directory, read in name order:
.B [[source]]
tables name the sites,
.B [[topic]]
tables the topics and their rules, and an optional
.B [redwire]
table the daemon\-wide settings. The operator's guide,
.IR /usr/share/doc/redwire/docs/operators\-guide.md ,
describes every key.
.PP
Every command is described below with the text of
.BR "redwire help " \fICOMMAND\fR.
)";

constexpr const char* kTrailer = R"(.SH OPTIONS
These are accepted by every command, or alone:
.TP
.BI \-\-log\-level " LEVEL"
One of trace, debug, info (the default), warn, error, critical, off.
.TP
.BR \-\-help ", " \-h
Print the list of commands; after a command, that command's help.
.TP
.BR \-\-version ", " \-V
Print the version and exit.
.TP
.B \-\-man
Print this manual page (roff), as the build installs it.
.SH SIGNALS
.TP
.B SIGHUP
Reload the configuration. Everything is validated first; a configuration
with any error is refused, each error is logged as
.IR file:line:col ,
and the running configuration stays in force. New sources are polled soon,
removed ones stop, and when topic rules changed the items of the last 30
days are re\-classified. Fetches under way are not disturbed. Writing,
creating, renaming or deleting a
.I *.toml
file in the configuration directory has the same effect half a second after
the last change.
.TP
.BR SIGTERM ", " SIGINT
Stop polling and serving, let fetches under way finish for up to 3 seconds,
close the store and exit 0.
.SH SYSTEMD
The shipped
.B redwire.service
is Type=notify: it reports READY=1 once the configuration is loaded, the
store open and the socket listening, STATUS= lines with source, failing
source, topic and item counts, and WATCHDOG=1 from its event loop
(WatchdogSec=30s). It runs as a dynamic user in a strict sandbox with
.I /etc/redwire
as its configuration directory and
.I /var/lib/redwire
as its state directory.
.B systemctl reload redwire
sends SIGHUP (with the shell's own kill, so procps is not needed).
With
.B redwire.socket
enabled, systemd owns the listening socket and
.B redwire run
serves on it, ignoring
.BR \-\-listen ;
stop
.B redwire.service
before enabling the socket, since both want the same address. Under
systemd, log lines carry
.RI < N >
priority prefixes and no timestamps, so journald files each at its level.
.SH EXIT STATUS
0 on success; 1 when the configuration has errors, the daemon cannot start
or a command fails; 2 on a usage error; 3 when a command found nothing
(see each command) or, for
.BR status ,
when any source's last fetch failed.
.SH FILES
.TP
.I /etc/redwire/*.toml
The configuration (sources, topics, settings).
.TP
.I /var/lib/redwire/redwire.db
The item store (SQLite, WAL).
.TP
.I /var/lib/redwire/redwire.lock
Held (flock) by the one process writing the store: the daemon, or
.BR "redwire poll \-\-once" ;
it names that process and the daemon's HTTP address.
.TP
.I /usr/share/doc/redwire/
The README, the operator's guide and the design notes of every module.
.SH EXAMPLES
.nf
redwire check \-\-config /etc/redwire
redwire poll \-\-config /etc/redwire \-\-state /var/lib/redwire \-\-source kke\-en
systemctl reload redwire
redwire status \-\-state /var/lib/redwire \-\-config /etc/redwire
redwire status \-\-url http://127.0.0.1:8080
redwire items \-\-state /var/lib/redwire \-\-search cuba \-\-since 7d
journalctl \-u redwire \-p warning
.fi
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
.BR systemd.service (5),
.BR systemd.socket (5)
)";

}  // namespace

std::string ManPage(const std::vector<ManCommand>& commands, std::string_view version) {
  std::string page;
  page += ".TH REDWIRE 1 \"\" \"redwire " + Roff(version) + "\" \"User Commands\"\n";
  page += ".SH NAME\nredwire \\- feed aggregator for the news of communist and workers' parties\n";

  page += ".SH SYNOPSIS\n.nf\n";
  for (const auto& command : commands) {
    for (const auto& usage : Split(command.help).usage) page += "\\fB" + Roff(usage) + "\\fR\n";
  }
  page += "\\fBredwire help [COMMAND]\\fR\n\\fBredwire \\-\\-help | \\-\\-version | \\-\\-man\\fR\n.fi\n";

  page += kDescription;

  page += ".SH COMMANDS\n";
  for (const auto& command : commands) {
    const SplitHelp split = Split(command.help);
    page += ".SS " + Roff(command.name) + "\n" + Roff(command.summary) + ".\n";
    // The help is laid out for 80 columns: shift it left by the section's
    // indent so its lines fit an 80-column terminal here too.
    page += ".PP\n.in -4n\n.nf\n";
    for (std::string_view line : split.body) page += line.empty() ? "\n" : Roff(line) + "\n";
    page += ".fi\n.in\n.PP\nOptions:";
    // Every accepted flag, whatever the help text says, then the common ones.
    for (const auto& flag : command.flags) page += " \\fB" + Roff(flag) + "\\fR,";
    page += " \\fB\\-\\-log\\-level\\fR and \\fB\\-\\-help\\fR.\n";
  }
  page += ".SS help\nPrint the list of commands, or with a\n.I COMMAND\nthat command's help (as does\n"
          ".IB COMMAND \" \\-\\-help\" \\fR).\n";

  page += kTrailer;
  return page;
}

}  // namespace redwire::app
