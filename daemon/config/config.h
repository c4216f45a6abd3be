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
  // The learned second signal (docs/topics.md): "" (rules only), "confirm"
  // or "propose", checked here; trained from Settings::topic_training.
  std::string model;
  double model_threshold = 0.5;  // the model agrees at p >= this, 0 < t < 1
  std::string model_rule;        // propose only (and required there): the looser rule
  Where model_where;             // of the model value
  Where model_rule_where;
  Where where;        // of the topic table
  Where match_where;  // of the match value, so rule errors point into it
};

// A named list of terms that any topic's rule may use as `@id`
// (`[[concept]]`), so words for one notion in many languages are written
// once. The terms are checked and compiled by classify.
struct Concept {
  std::string id;                  // [a-z0-9-]+, unique
  std::vector<std::string> terms;
  std::vector<Where> term_wheres;  // one per term, for messages
  Where where;                     // of the concept table
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
  // Control requests (POST /sources/ID/poll) with "Authorization: Bearer
  // <control_token>" are accepted from any peer; without it only from
  // loopback peers that are not a proxy's forwarded requests.
  std::string control_token;
  // The labelled corpus (JSON lines) whose dev records train the topics
  // that set `model`; relative to the config directory unless absolute.
  std::string topic_training;
  Where topic_training_where;
};

struct Catalog {
  std::vector<Source> sources;
  std::vector<Topic> topics;
  std::vector<Concept> concepts;
  Settings settings;
};

// One problem of a load, at its place (line 0: the file or directory
// itself).
struct Problem {
  Where where;
  std::string message;
  std::string str() const;  // "file:line:col: message"
};

// Every problem of every file: a TOML syntax error ends its file, but all
// other problems (unknown keys, bad ids, URLs, intervals, selectors,
// duplicate ids naming both files) are found in every file.
struct CatalogRead {
  Catalog catalog;  // what could be read; in force only without problems
  std::vector<Problem> problems;
};

// Reads every DIR/*.toml (sorted by name).
CatalogRead ReadCatalog(const std::string& dir);

// ReadCatalog, with the problems sorted by place (SortProblems) and joined
// one per line, "file:line:col: message", as the error (kInvalidArgument,
// its file, line and column the first problem's).
Result<Catalog> LoadCatalog(const std::string& dir);

// Orders problems by file, line and column, keeping the order of equals.
void SortProblems(std::vector<Problem>& problems);

// The place of the character `offset` bytes into the text of the string
// value whose opening quote is at `value` in value.file: it follows '''
// and """ strings over their lines and counts escapes (\u00e9) as
// written. Columns count characters, as toml++'s do. Reads the file again;
// when it no longer holds that string, the value's place plus the offset.
Where PlaceInString(const Where& value, std::size_t offset);

// Where an error of a rule written in the string value at `value` points:
// the error's 1-based character column inside `text`, or the value itself
// when the error has no column.
Where PlaceOfColumn(const Where& value, const std::string& text, int column);

// Parses "90s", "30m", "2h", "1d" (also combined: "1h30m").
Result<std::chrono::seconds> ParseInterval(const std::string& text);

}  // namespace redwire::config
