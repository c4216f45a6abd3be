// publish: renders stored items as Atom 1.0 (RFC 4287) and the HTML index.
// All text goes through pugixml's writer or an HTML escaper; nothing is
// concatenated into markup unescaped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/item.h"
#include "store/store.h"

namespace redwire::publish {

// Where an entry came from, for atom:source.
struct SourceInfo {
  std::string id;          // source id
  std::string title;       // configured name
  std::string feed_url;    // the URL redwire polls
  std::string site_link;   // the feed's own alternate link, may be empty
};

struct FeedInfo {
  std::string id;          // e.g. "urn:redwire:topic:cuba-solidarity"
  std::string title;
  std::string self_url;    // absolute URL of this feed on our server
  std::string alternate_url;  // absolute URL of the HTML page for it
  UnixTime generated_at = 0;  // used as feed updated when there are no entries
};

// `source_of(source_id)` supplies atom:source; entries appear in the given
// order (the store returns newest first).
using SourceLookup = std::function<SourceInfo(const std::string& source_id)>;

std::string RenderAtom(const FeedInfo& feed, const std::vector<store::StoredItem>& items,
                       const SourceLookup& source_of);

struct IndexTopic {
  std::string id;
  std::string title;
};

struct IndexSource {
  std::string id;
  std::string name;
  std::string url;
  bool scrape_pending = false;  // listed, not polled until scrape rules run
  std::optional<store::SourceState> state;
};

// The HTML index at "/": topics and sources with subscribe links and each
// source's last fetch outcome. `base_url` has no trailing slash.
std::string RenderIndex(const std::string& base_url, const std::vector<IndexTopic>& topics,
                        const std::vector<IndexSource>& sources, UnixTime now);

// "2024-03-05T10:00:00Z"
std::string Rfc3339(UnixTime t);

}  // namespace redwire::publish
