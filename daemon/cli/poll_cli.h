// `redwire poll`: refresh now. With a daemon holding the state directory it
// asks that daemon (POST /sources/ID/poll) to poll the sources at once;
// otherwise, and always with --once, it polls them here through the
// daemon's own Poller (fetch, parse, store, classify) and exits when every
// one has an outcome. Two writers never share a store: --once refuses a
// state directory a daemon holds.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/result.h"

namespace redwire::app {

struct PollOptions {
  std::string config_dir;
  std::string state_dir;
  std::vector<std::string> sources;  // empty: every source the daemon polls
  bool once = false;                 // poll here; fail if a daemon holds state_dir
  // Gets a line (no newline) per source as its poll ends; failed polls are
  // always reported, the others only with `every_source`.
  std::function<void(const std::string&)> progress;
  bool every_source = true;
};

struct PollReport {
  std::string summary;  // the closing line, e.g. "3 sources: 2 ok (1 not modified), 1 failed; 7 new items"
  int ok = 0;           // polls that succeeded, not-modified included
  int not_modified = 0;
  int failed = 0;
  int skipped = 0;      // pages without rules, sources parked by a 410
  int new_items = 0;
  bool asked_daemon = false;  // the polls were handed to a running daemon
};

// Fails (nothing polled) on a config that does not load, an unknown
// --source, a store that does not open, a daemon that refuses, or with
// --once on a state directory a daemon holds.
Result<PollReport> PollSources(const PollOptions& options);

}  // namespace redwire::app
