// live: one loaded configuration, the catalog and its compiled topic rules,
// and where the ingester reports stored changes. Loaded by the daemon at
// start and on every reload, and by the commands that read the config.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/classify/classify.h"
#include "daemon/config/config.h"
#include "daemon/live/changes.h"
#include "model/result.h"

namespace redwire::app {

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

// Loads DIR/*.toml and compiles every topic rule. The error lists every
// problem, one per line, as "file:line:col: message".
Result<std::shared_ptr<const LiveConfig>> LoadConfig(const std::string& config_dir);

}  // namespace redwire::app
