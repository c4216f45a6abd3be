// The item model: what every parser produces and every later stage consumes.
// It is the contract between parse/scrape and store/classify/publish
// (see DESIGN.md, "The item model").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redwire {

// Seconds since the Unix epoch, UTC. 0 means "unknown".
using UnixTime = std::int64_t;

struct Enclosure {
  std::string url;     // absolute
  std::string type;    // MIME type as given, may be empty
  std::int64_t length = 0;  // bytes as given; 0 when absent or invalid
};

struct Item {
  std::string source_id;
  std::string guid;            // as given by the feed; may be empty
  std::string id;              // stable: guid, else canonical link, else hash
  std::string title;           // plain text
  std::string link;            // absolute
  std::string canonical_link;  // lower-cased host, no fragment, no tracking params
  UnixTime published = 0;      // UTC
  UnixTime updated = 0;        // UTC
  bool date_is_first_seen = false;  // the feed gave no usable date
  std::string author;
  std::string summary;         // sanitised HTML, absolute URLs
  std::string content;         // sanitised HTML, absolute URLs
  std::string summary_text;    // plain text of summary, for matching
  std::string content_text;    // plain text of content, for matching
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  std::string language;
};

// What a feed says about itself.
struct FeedMeta {
  std::string title;
  std::string link;      // the site (alternate) link, absolute
  std::string id;        // Atom id or RSS link
  std::string subtitle;
  std::string author;
  std::string hub;       // WebSub hub (atom:link rel=hub), absolute
  std::string self;      // the feed's own URL (atom:link rel=self), absolute
  std::string language;
  UnixTime updated = 0;
  std::int64_t ttl_seconds = 0;  // refresh hint from <ttl> or sy:updatePeriod/Frequency; 0: none
};

struct ParsedFeed {
  std::string format;       // "rss20", "rss10", "rss09x", "atom10", "atom03", "json10", "json11", "html"
  std::string encoding;     // the charset the body was decoded from, e.g. "windows-1251"
  FeedMeta meta;
  std::vector<Item> items;
  bool bozo = false;        // the document was ill-formed; items were recovered
  std::string bozo_reason;  // why, when bozo
};

}  // namespace redwire
