// publish: renders stored items as Atom 1.0 (RFC 4287), JSON Feed 1.1, HTML
// pages for people and OPML lists.
// All text goes through pugixml's writer or an HTML escaper; nothing is
// concatenated into markup unescaped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
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
  // RFC 5005 paged-feed links (absolute; empty: none) and the WebSub hub.
  std::string first_url = {};
  std::string previous_url = {};
  std::string next_url = {};
  std::string hub_url = {};
  // The same feed in the other formats, for discovery links (may be empty).
  std::string atom_url = {};
  std::string json_url = {};
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
  bool scrape_pending = false;  // a page without scrape rules, not polled yet
  std::optional<store::SourceState> state;
};

// Percent-encodes everything but RFC 3986's unreserved characters: ids in
// URLs and URNs, and values in a query string or form body.
std::string PercentEncode(std::string_view s);

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of the same entries, with
// the same ids as RenderAtom; next_url and hub_url become next_url and hubs.
std::string RenderJsonFeed(const FeedInfo& feed, const std::vector<store::StoredItem>& items,
                           const SourceLookup& source_of);

// The HTML pages for people share one layout (docs/feeds.md, "HTML"): a
// header with the search box, the topics' navigation, an inline stylesheet
// that reads at 390 px and at 1280 px, no scripts and nothing loaded from
// elsewhere. Every value is escaped; an item shows the plain text of its
// summary, never its markup; only http(s) links are clickable, and the only
// links off the site are items' own.
struct SiteInfo {
  std::string base_url;            // no trailing slash
  std::vector<IndexTopic> topics;  // navigation and the topic badges of items
};

// A feed's entries with its subscribe links and paging links from `feed`.
std::string RenderFeedPage(const SiteInfo& site, const FeedInfo& feed,
                           const std::vector<store::StoredItem>& items, const SourceLookup& source_of);

// One topic's newest entries on the front page.
struct FrontTopic {
  IndexTopic topic;
  std::vector<store::StoredItem> items;
};

// The front page "/": each topic's newest entries with the topic's page and
// subscribe links (Atom, JSON Feed), the all-items feeds, the OPML lists and
// the sources' pages. `latest` is shown when no topic is configured.
std::string RenderFrontPage(const SiteInfo& site, const std::vector<FrontTopic>& topics,
                            const std::vector<store::StoredItem>& latest,
                            const std::vector<IndexSource>& sources, const SourceLookup& source_of,
                            UnixTime generated_at);

// A search as HTML: `query` (the reader's words), its results, and a link to
// the same search as an Atom feed. `problem`, when set, is shown instead of
// results (nothing to search for, a malformed search).
struct SearchInfo {
  std::string query;
  std::string atom_url;  // absolute; empty: no feed to offer
  std::string problem = {};
};
std::string RenderSearchPage(const SiteInfo& site, const SearchInfo& search,
                             const std::vector<store::StoredItem>& items, const SourceLookup& source_of,
                             UnixTime generated_at);

// The operator's page "/status": per source its health in words (status,
// last error or a working source's warnings, last success, items, next
// poll), ages measured from `now`.
std::string RenderStatusPage(const SiteInfo& site, const std::vector<IndexSource>& sources, UnixTime now);

// One feed in an OPML subscription list.
struct OpmlOutline {
  std::string title;
  std::string xml_url;    // the feed
  std::string html_url;   // its web page, may be empty
  std::string description = {};
  std::vector<std::string> categories = {};  // written as OPML category "/a,/b"
};

// OPML 2.0 subscription list.
std::string RenderOpml(const std::string& title, const std::vector<OpmlOutline>& outlines,
                       UnixTime generated_at);

// gzip (RFC 1952) of `bytes` at the default level; empty on failure.
std::string Gzip(const std::string& bytes);

}  // namespace redwire::publish
