// app: the daemon's wiring. It owns the io_context and, on it, the scheduler
// (one steady_timer per source), the fetcher, the ingest path
// (parse -> classify -> store) and the HTTP routes. main.cc is only the CLI.
#pragma once

#include <string>

#include "daemon/classify/classify.h"
#include "daemon/config/config.h"
#include "model/result.h"

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

// Loads DIR/*.toml and compiles every topic rule. The error lists every
// problem, one per line, as "file:line:col: message".
Result<config::Catalog> LoadAndCheck(const std::string& config_dir,
                                     std::vector<classify::TopicRule>* rules);

}  // namespace redwire::app
