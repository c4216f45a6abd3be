// `redwire items`: lists or searches stored items from a store on disk, also
// while the daemon runs (it reads through its own read-only connection).
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <optional>
#include <string>

#include "model/item.h"
#include "model/result.h"

namespace redwire::app {

struct ItemsOptions {
  std::string state_dir;              // holds redwire.db
  std::optional<std::string> search;  // full-text search words (see docs/store.md)
  std::optional<std::string> topic;
  std::optional<std::string> source;
  std::string since;  // "2024-03-05", "2024-03-05T10:00:00Z" or an age such as "30d"; empty: all
  int limit = 50;     // 0: no limit
  bool json = false;  // a JSON array instead of one line per item
  UnixTime now = 0;   // for relative --since; 0: the clock
};

struct ItemsReport {
  std::string text;  // what the command prints on stdout
  int count = 0;     // items listed
};

// Newest first. A bad --since or search is an error that says why.
Result<ItemsReport> ListItems(const ItemsOptions& options);

}  // namespace redwire::app
