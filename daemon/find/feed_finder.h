// feed_finder: the feeds a web page's site has, each proved by fetching it
// and parsing it as a feed. Candidates come from scrape::FindFeedCandidates
// (advertised <link>s, <a> links that say feed/rss/atom, the CMS's usual
// paths); they are fetched one after another through the caller's Fetcher,
// so its per-host limits, delays, size caps and SSRF guard hold for every
// probe. Used by `redwire discover`, `redwire check --online` and the
// daemon's page sources without scrape rules.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/fetch/fetcher.h"
#include "model/item.h"

namespace redwire::app {

// Fetches one search makes at most, probes included.
inline constexpr int kMaxFeedChecks = 10;

struct FoundFeed {
  std::string url;     // as found; a permanent redirect's target when it moved
  std::string how;     // "advertised", "linked" or "probed"
  std::string title;   // the feed's own title, else the link's
  ParsedFeed feed;     // what it parsed to
};

struct RejectedFeed {
  std::string url;
  std::string how;
  std::string reason;  // "HTTP 404", "not a feed: ...", "blocked-address: ..."
};

struct FeedSearch {
  std::string cms;                     // as scrape::FeedCandidates::cms
  std::vector<FoundFeed> feeds;        // in the order tried
  std::vector<RejectedFeed> rejected;  // candidates that were no feed
  bool probed = false;                 // the CMS's paths were tried
  int unchecked = 0;                   // candidates left out by kMaxFeedChecks or first_only
                                       // (not probes after one was a feed)
};

struct FinderOptions {
  std::string source_id;       // for the fetcher's logs
  bool allow_private = false;  // else candidates on private addresses are refused
  bool first_only = false;     // stop at the first feed (the daemon needs one)
  UnixTime now = 0;            // first-seen time for undated items
};

// Tries the advertised and linked candidates of `html` (the page fetched
// from `page_url`), then, when none of them is a feed, the CMS's paths
// until one is. `done` runs exactly once, on the fetcher's loop, possibly
// before FindFeeds returns when there is nothing to fetch. `fetcher` must
// outlive the search.
void FindFeeds(fetch::Fetcher& fetcher, const std::string& page_url, std::string_view html,
               std::string_view content_type, FinderOptions options, std::function<void(FeedSearch)> done);

}  // namespace redwire::app
