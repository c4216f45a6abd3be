// app: the daemon's wiring. Run() owns the io_context and, on it, the
// Poller (scheduling, fetch, ingest), the Routes behind the HTTP server and
// the process lifecycle (signals, sd_notify). main.cc is only the CLI.
#pragma once

#include <string>

// Run holds the StateLock on the state directory; `redwire poll --once`
// takes the same lock.
#include "daemon/app/state_lock.h"
#include "daemon/live/live.h"

namespace redwire::app {

struct RunOptions {
  std::string config_dir;
  std::string state_dir;               // holds redwire.db
  std::string listen = "127.0.0.1:8080";
};

// Loads the config, opens the store, serves and polls until SIGTERM or
// SIGINT. Returns the process exit code; errors that stop start-up are
// logged with their reason.
int Run(const RunOptions& options);

}  // namespace redwire::app
