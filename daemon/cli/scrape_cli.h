// The operator's loop for websites without feeds: `redwire scrape` shows
// what a page yields under some rules before they are deployed, and
// `redwire discover` lists the feeds of a page's site. Both build their
// output as text for main.cc to print; nothing here writes to stdout.
// Private to cli/: other modules reach it through daemon/cli/cli.h.
#pragma once

#include <string>

#include "daemon/scrape/scrape.h"
#include "model/result.h"

namespace redwire::app {

struct ScrapeOptions {
  std::string target;        // http(s) URL or a saved FILE; empty with `source_id`: the source's URL
  std::string page_url;      // the URL a FILE was saved from (resolves its links)
  std::string source_id;     // take the rules (and URL) of this configured source...
  std::string config_dir;    // ...from this config directory
  scrape::RuleText rules;    // given rules; each non-empty one overrides the source's
  bool suggest = false;      // no rules: rank the page's candidate news lists and print their rules
  bool json = false;         // a JSON document instead of the table
  bool allow_private = false;  // may fetch from loopback/private addresses
  long long now = 0;         // reference time for relative dates; 0: the clock
};

struct ScrapeReport {
  std::string text;  // the table (or JSON), counts and warnings; ends in a newline
  int items = 0;
};

// Fetches or reads the page, extracts its items and, with follow rules,
// fetches up to max_follow item pages for their content; with `suggest`,
// lists the candidate news lists best first, each with its rules as TOML
// and its items. Fails when the page cannot be had or the rules do not
// compile (the error says which).
Result<ScrapeReport> ScrapePage(const ScrapeOptions& options);

struct DiscoverOptions {
  std::string target;          // http(s) URL or a saved FILE
  std::string page_url;        // the URL a FILE was saved from; without it a
                               // FILE's candidates are listed, not fetched
  bool json = false;
  bool allow_private = false;  // may fetch from loopback/private addresses
};

struct DiscoverReport {
  std::string text;
  int feeds = 0;  // feeds found (a FILE without page_url: candidates listed)
};

// Fetches the page (or reads the FILE) and lists the feeds of its site:
// advertised, linked and, when none of those is one, found at the usual
// paths of its CMS; each checked by fetching and parsing it
// (feed_finder.h). Says so when the target is a feed itself. Fails when the
// page cannot be had; a refused private address names --allow-private.
Result<DiscoverReport> DiscoverPage(const DiscoverOptions& options);

}  // namespace redwire::app
