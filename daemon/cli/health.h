// health: the per-source health table behind `redwire status`, read from
// the store file (safe while the daemon runs: SQLite WAL readers do not
// block the writer) or from a running daemon's /status.json.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>

#include "model/result.h"

namespace redwire::app {

struct HealthOptions {
  std::string state_dir;   // reads STATE/redwire.db when set
  std::string config_dir;  // when set, lists configured sources not yet fetched
  std::string url;         // else asks URL/status.json of a running daemon
  bool json = false;       // a JSON array instead of the aligned table
  long long now = 0;       // the time ages are measured from; 0: the clock
};

struct HealthReport {
  std::string text;      // what to print, ending in a newline
  bool healthy = true;   // false when any source's last fetch failed
};

// Fails when the store is missing or unreadable, the config does not load,
// or the daemon does not answer with a status document.
Result<HealthReport> SourceHealth(const HealthOptions& options);

}  // namespace redwire::app
