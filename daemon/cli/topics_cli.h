// Topic tuning tools behind `redwire topics test` and `redwire topics
// explain`: they read a store (also while the daemon runs) and say which
// items a rule takes and why.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>

#include "model/item.h"
#include "model/result.h"

namespace redwire::app {

struct TopicsReport {
  std::string text;  // what the command prints on stdout
  int matched = 0;   // items matched (test) or topics that took the item (explain)
};

struct TopicsTestOptions {
  std::string rule;        // rule text, as in a [[topic]] match
  std::string since = "30d";  // how far back, by published time (config interval syntax)
  std::string state_dir;   // holds redwire.db
  std::string config_dir;  // optional: source tags for tag: terms, names for display
  UnixTime now = 0;
};

// Lists the stored items published since `since` that the rule matches,
// newest first, each with the terms that matched. A rule that does not
// compile is an error whose message points at the column.
Result<TopicsReport> TopicsTest(const TopicsTestOptions& options);

// Says, for every configured topic, whether it takes the stored item whose
// id (or store row id) is `item_id`, and why; also the topics the store
// recorded for it.
Result<TopicsReport> TopicsExplain(const std::string& item_id, const std::string& state_dir,
                                   const std::string& config_dir);

}  // namespace redwire::app
