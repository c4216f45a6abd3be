// app: the daemon's wiring. Run() owns the io_context and, on it, the
// Poller (scheduling, fetch, ingest), the Routes behind the HTTP server and
// the process lifecycle (signals, sd_notify). main.cc is only the CLI.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/app/changes.h"
#include "daemon/classify/classify.h"
#include "daemon/config/config.h"
#include "model/result.h"

namespace redwire::app {

struct RunOptions {
  std::string config_dir;
  std::string state_dir;               // holds redwire.db
  std::string listen = "127.0.0.1:8080";
};

// One loaded configuration: the catalog and its compiled topic rules. Shared
// read-only by the poller and the routes.
struct LiveConfig {
  config::Catalog catalog;
  std::vector<classify::TopicRule> rules;
  classify::Concepts concepts;  // the [[concept]] term lists, by id
  // Where the ingester reports stored changes, for republishing.
  std::shared_ptr<FeedChanges> changes = std::make_shared<FeedChanges>();

  const config::Source* source(const std::string& id) const;
  const config::Topic* topic(const std::string& id) const;
};

// Loads DIR/*.toml and compiles every topic rule. The error
// (kInvalidArgument) lists every problem in its message, one per line, as
// "file:line:col: message"; its file, line and column are the first one's.
Result<std::shared_ptr<const LiveConfig>> LoadConfig(const std::string& config_dir);

// Loads the config, opens the store, serves and polls until SIGTERM or
// SIGINT. Returns the process exit code; errors that stop start-up are
// logged with their reason.
int Run(const RunOptions& options);

}  // namespace redwire::app
