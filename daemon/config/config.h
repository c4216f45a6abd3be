// config: feeds/*.toml -> Catalog. Every error names file:line:col.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/scrape/scrape.h"
#include "model/result.h"

namespace redwire::config {

// A place in a config file, for messages: "feeds/kke.toml:3:9".
struct Where {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:col"
};

// Scrape rules for a site without a feed, as written in `[source.scrape]`;
// every selector and XPath in them compiled at load. A source with an empty
// `[source.scrape]` table is a page whose rules are not written yet: it is
// polled only for a feed of its site, which is used when found
// (scrape::HasRules tells them apart).
using ScrapeRules = scrape::RuleText;

struct Source {
  std::string id;    // [a-z0-9-]+, unique across all files
  std::string name;
  std::string url;   // http(s) feed URL, or a page when `scrape` is set
  std::chrono::seconds every{std::chrono::minutes(30)};
  // Bounds of the adaptive poll interval; `every` is where it starts.
  // Defaults: min_every = every, max_every = 4 x every.
  std::chrono::seconds min_every{0};
  std::chrono::seconds max_every{0};
  std::string lang;
  std::vector<std::string> tags;
  bool allow_private = false;  // may connect to loopback/private addresses
  // Retention overrides of [redwire] keep_days / keep_min; unset: the global.
  std::optional<int> keep_days;
  std::optional<int> keep_min;
  bool has_scrape = false;
  ScrapeRules scrape;
  Where where;
};

struct Topic {
  std::string id;     // [a-z0-9-]+, unique
  std::string title;
  std::string match;  // rule text, compiled by classify; may be empty when
                      // sources or tags are given
  std::vector<std::string> sources;          // every item of these sources
  std::vector<std::string> tags;             // every item of sources with these tags
  std::vector<std::string> exclude_sources;  // never items of these sources
  std::vector<std::string> exclude_tags;     // never items of sources with these tags
  bool dedup = true;  // one entry per duplicate cluster, not one per copy
  Where where;        // of the topic table
  Where match_where;  // of the match value, so rule errors point into it
};

// Daemon-wide settings from an optional `[redwire]` table in any one file.
struct Settings {
  std::string user_agent = "redwire/0.1 (+https://github.com/redwire/redwire)";
  int feed_entries = 50;          // entries per published feed
  int keep_days = 365;            // items are kept this long (first seen and published) ...
  int keep_min = 50;              // ... but each source keeps at least its newest keep_min
  bool allow_private = false;     // global opt-in, as per source
  // Fetching (issue 5); see docs/fetching.md.
  int max_concurrency = 32;                          // transfers at once
  int per_host = 2;                                  // transfers at once per host name
  std::chrono::seconds host_delay{1};                // between requests to one host
  std::string proxy;                                 // e.g. "http://proxy:3128"
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds timeout{60};                  // whole transfer
  std::chrono::seconds low_speed_time{30};           // under 100 B/s this long aborts
  std::int64_t max_body = 10 * 1024 * 1024;          // bytes, after decompression
  int max_redirects = 5;
  std::string public_url;         // base of self links, e.g. "https://news.example.org";
                                  // empty: "http://" + the listen address
  // Republishing (issue 7); see docs/feeds.md.
  std::string publish_dir;        // every feed is also written here when it changes
  std::string external_hub;       // a WebSub hub pinged when a feed changes
};

struct Catalog {
  std::vector<Source> sources;
  std::vector<Topic> topics;
  Settings settings;
};

// Loads every DIR/*.toml (sorted by name). On any error returns all of them,
// one per line, each "file:line:col: message". Unknown keys, duplicate ids
// (naming both files), bad ids, non-http(s) URLs and bad intervals are errors.
Result<Catalog> LoadCatalog(const std::string& dir);

// Parses "90s", "30m", "2h", "1d" (also combined: "1h30m").
Result<std::chrono::seconds> ParseInterval(const std::string& text);

}  // namespace redwire::config
