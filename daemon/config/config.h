// config: feeds/*.toml -> Catalog. Every error names file:line:col.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "model/result.h"

namespace redwire::config {

// A place in a config file, for messages: "feeds/kke.toml:3:9".
struct Where {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:col"
};

// Scrape rules for a site without a feed. A source with a `[source.scrape]`
// table (even an empty one) is a page, not a feed: it is listed on the index
// as waiting for the scraper and is not polled as a feed.
struct ScrapeRules {
  std::string item, title, link, date, summary;
};

struct Source {
  std::string id;    // [a-z0-9-]+, unique across all files
  std::string name;
  std::string url;   // http(s) feed URL, or a page when `scrape` is set
  std::chrono::seconds every{std::chrono::minutes(30)};
  std::string lang;
  std::vector<std::string> tags;
  bool allow_private = false;  // may connect to loopback/private addresses
  bool has_scrape = false;
  ScrapeRules scrape;
  Where where;
};

struct Topic {
  std::string id;     // [a-z0-9-]+, unique
  std::string title;
  std::string match;  // rule text, compiled by classify
  Where where;        // of the topic table
  Where match_where;  // of the match value, so rule errors point into it
};

// Daemon-wide settings from an optional `[redwire]` table in any one file.
struct Settings {
  std::string user_agent = "redwire/0.1 (+https://github.com/redwire/redwire)";
  int feed_entries = 50;          // entries per published feed
  bool allow_private = false;     // global opt-in, as per source
  std::string public_url;         // base of self links, e.g. "https://news.example.org";
                                  // empty: "http://" + the listen address
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
