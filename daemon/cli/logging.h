// Logging set-up for every command: spdlog's default logger on stderr.
// Under systemd (stderr is the journal stream named by JOURNAL_STREAM) each
// line starts with a "<N>" syslog priority and has no timestamp, so journald
// files it at the right level and stamps it itself; elsewhere lines carry a
// timestamp and the level name.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>

namespace redwire::app {

// `level` is one of trace, debug, info, warn, error, critical, off. Returns
// false (and changes nothing) for any other name.
bool SetUpLogging(const std::string& level);

// True when stderr is the journal stream systemd announced in JOURNAL_STREAM
// ("device:inode"), not merely inherited from a service by a child.
bool StderrIsJournal();

}  // namespace redwire::app
