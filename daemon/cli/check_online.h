// check_online: `redwire check --online`, every configured source fetched
// once, politely (one Fetcher with the config's per-host limits and delays,
// the sources' allow_private), to tell an operator with network access in
// one command which shipped rules no longer match their site, which feeds
// fail, and which pages have a feed after all.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>

#include "daemon/live/live.h"
#include "model/result.h"

namespace redwire::app {

struct OnlineCheck {
  std::string text;   // one line per source and a summary, ending in a newline
  int failing = 0;    // sources that failed, or whose rules extract nothing
};

// Feeds must parse; pages with rules must give items; every page (with
// rules or not) has its site searched for a feed (feed_finder.h), which is
// named when found. Nothing is stored.
OnlineCheck CheckOnline(const LiveConfig& config);

}  // namespace redwire::app
