// Ingester: turns one fetched body into stored items. It picks the parser
// (a feed, or a page with scrape rules), fills defaults from the source,
// classifies each item and upserts them. It is asynchronous because a
// source may need further fetches (e.g. each new item's own page).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "daemon/app/app.h"
#include "daemon/fetch/fetcher.h"
#include "model/item.h"
#include "store/store.h"

namespace redwire::app {

struct IngestResult {
  std::string error;          // empty on success: why nothing was stored
  int items_seen = 0;         // items in the body
  store::UpsertStats stats;
  FeedMeta meta;              // what the feed says about itself
  bool bozo = false;          // ill-formed document, items recovered
  std::string bozo_reason;
};

class Ingester {
 public:
  // `store` and `fetcher` must outlive the Ingester. Loop thread only.
  Ingester(store::Store& store, fetch::Fetcher& fetcher);
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  using Done = std::function<void(IngestResult)>;
  // Ingests `response` (a 2xx body) for `source`; `done` runs exactly once,
  // possibly later on the loop. `config` is the configuration in force.
  void Ingest(std::shared_ptr<const LiveConfig> config, const config::Source& source,
              const fetch::Response& response, Done done);

 private:
  store::Store& store_;
  fetch::Fetcher& fetcher_;
};

}  // namespace redwire::app
