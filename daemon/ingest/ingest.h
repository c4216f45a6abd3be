// Ingester: turns one fetched body into stored items. It picks the parser
// (a feed, or a page with scrape rules), fills defaults from the source,
// classifies each item and upserts them. It is asynchronous because a
// source may need further fetches: older pages of a scraped list on its
// first import (`paginate`), each new item's own page (`follow`), or the
// feed of a web page's site (find/feed_finder: advertised, linked or at the
// usual paths of its CMS).
//
// Parsed feeds are committed in groups: every feed parsed before the event
// loop gets back to the Ingester is stored in one transaction, which costs
// much less than a commit (and a search index segment) per feed. `done`
// runs once its feed is committed, so what it reports is on disk.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "daemon/live/live.h"
#include "daemon/fetch/fetcher.h"
#include "model/item.h"
#include "store/store.h"

namespace redwire::app {

struct IngestResult {
  std::string error;          // empty on success: why nothing was stored
  int items_seen = 0;         // items in the body
  store::UpsertStats stats;
  FeedMeta meta;              // what the feed (or scraped page) says about itself
  bool bozo = false;          // ill-formed document, items recovered
  std::string bozo_reason;
  std::string discovered_feed;        // the feed found on the page and used instead of it
  bool site_checked = false;          // a scraped page's site was searched for a feed...
  std::string site_feed;              // ...and this one found (empty: none)
  std::vector<std::string> warnings;  // scrape rules that found nothing, bad dates...
  std::string scrape_pick;            // scrape auto = true: the item selector of the list used
};

// What to do beyond ingesting the body as it is.
struct IngestHints {
  // A body that is a web page and not a feed, for a source without scrape
  // rules: find the feed of its site and ingest that instead.
  bool find_feed = true;
  // A page scraped by rules: also search its site for a feed (reported in
  // IngestResult::site_feed, not used).
  bool check_site = false;
};

class Ingester {
 public:
  // `store` and `fetcher` must outlive the Ingester; `io` is the loop it
  // runs on. Loop thread only.
  Ingester(asio::io_context& io, store::Store& store, fetch::Fetcher& fetcher);
  // Stores the feeds still waiting for their commit (and runs their `done`).
  ~Ingester();
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  using Done = std::function<void(IngestResult)>;
  // Ingests `response` (a 2xx body) for `source`; `done` runs exactly once,
  // possibly later on the loop. `config` is the configuration in force.
  // A source with scrape rules is scraped; a source without that answers
  // with a web page has the first feed found for the page (feed_finder.h)
  // ingested instead, unless `hints` says not to look.
  void Ingest(std::shared_ptr<const LiveConfig> config, const config::Source& source,
              const fetch::Response& response, Done done, IngestHints hints = {});

 private:
  struct PageJob;
  struct Queued;
  void IngestPage(std::shared_ptr<PageJob> job, const fetch::Response& response);
  void NextListPage(std::shared_ptr<PageJob> job);
  void FollowNext(std::shared_ptr<PageJob> job);
  void StorePage(std::shared_ptr<PageJob> job);
  void Discover(std::shared_ptr<const LiveConfig> config, const config::Source& source,
                const std::string& page_url, const fetch::Response& page, Done done);
  void CheckSite(std::shared_ptr<PageJob> job, IngestResult result);
  void StoreFeed(std::shared_ptr<const LiveConfig> config, const config::Source& source, ParsedFeed feed,
                 Done done);
  void Flush();
  std::vector<std::vector<std::string>> Classify(const LiveConfig& config, const config::Source& source,
                                                 const std::vector<Item>& items) const;

  asio::io_context& io_;
  store::Store& store_;
  fetch::Fetcher& fetcher_;
  std::vector<Queued> queued_;  // parsed feeds waiting for the next commit
  bool flush_posted_ = false;
  // A posted Flush may outlive the Ingester.
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace redwire::app
