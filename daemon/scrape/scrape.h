// scrape: web pages without feeds -> items. Pages are parsed with gumbo
// (HTML5 tree building, so tag soup parses as browsers parse it); CSS
// selectors or an XPath pick the items and their fields. Pure functions of
// their inputs: no I/O, no clock (the caller passes `now`). Pages are read
// in their own charset (HTTP Content-Type > BOM-less <meta charset> >
// detection, as parse::ToUtf8) and capped at kMaxPageBytes. Tree walks use explicit stacks, so
// nesting depth costs memory, never the call stack.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/item.h"
#include "model/result.h"

namespace redwire::scrape {

inline constexpr std::size_t kMaxPageBytes = 10 * 1024 * 1024;
inline constexpr std::size_t kMaxItemsPerPage = 1000;

// A compiled selector group: type, .class, #id, [attr], [attr=v], [attr~=v],
// [attr^=v], [attr$=v], [attr*=v], *, descendant, >, +, ~, :first-child,
// :last-child, :nth-child(an+b|odd|even), :not(simple), :has(sel) and
// :has(> simple), comma groups, and an
// optional trailing `@attr` that takes an attribute instead of the text
// (then only elements that have the attribute match). A
// bare `@attr` means the attribute of the element the selector is applied to
// (the item itself). Cheap to copy.
class Selector {
 public:
  // On failure the error says why; `error_offset`, when given, receives the
  // 0-based byte offset in `text` where the problem is.
  static Result<Selector> Compile(std::string_view text, std::size_t* error_offset = nullptr);

  const std::string& text() const { return text_; }
  const std::string& attribute() const { return attribute_; }  // empty: text

  struct Group;  // the compiled form, private to the module
  const Group& group() const { return *group_; }

 private:
  std::string text_;
  std::string attribute_;
  std::shared_ptr<const Group> group_;
};

// The `[source.scrape]` table as written.
struct RuleText {
  std::string item;         // CSS selector of one item, or:
  std::string xpath;        // XPath 1.0 of one item (instead of `item`), or:
  bool auto_suggest = false;  // `auto = true`: the list Suggest ranks first, found on every poll
  std::string title, link, date, summary, author, image;  // CSS, relative to the item;
                                                          // date = "@link": the item's link
  std::string date_group;   // CSS of the nearest header above an item that dates it
  std::string date_page;    // CSS of a date for the whole page (a masthead)
  // Per field, an ECMAScript regex searched in the field's value: its first
  // capture group (the whole match when it has none) becomes the value; no
  // match leaves the field empty.
  std::string title_pattern, link_pattern, date_pattern, summary_pattern, author_pattern, image_pattern;
  std::string date_format;  // strftime-like, e.g. "%m/%d/%y %I:%M %p"
  std::string date_lang;    // month names' language, e.g. "el"
  std::string content;      // CSS of the article body on an item's own page
  std::string paginate;     // CSS of the "older posts" link
  bool follow = false;      // fetch new items' pages for `content`
  int max_pages = 5;        // pages read on the first import (incl. the first)
  int max_follow = 10;      // item pages fetched per poll
};

// Rules compiled once (at config load); cheap to copy, immutable.
class Rules {
 public:
  // Fails on the first bad selector or XPath, or when neither `item` nor
  // `xpath` (or both) is given. `error_field` and `error_offset`, when given,
  // receive the key ("title", ...) and the byte offset within its value.
  static Result<Rules> Compile(const RuleText& text, std::string* error_field = nullptr,
                               std::size_t* error_offset = nullptr);

  const RuleText& text() const;
  bool follows() const;    // follow = true with a content selector
  bool paginates() const;  // a paginate selector is set

  struct Impl;  // compiled selectors and XPath, private to the module
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// True when `text` names an item selector or XPath (or `auto`): a source whose
// [source.scrape] table has none is a page whose rules are not written yet.
bool HasRules(const RuleText& text);

struct Page {
  std::string source_id;
  std::string url;   // the final URL of the page: resolves links (after <base>)
  std::string lang;  // language of the items when the page declares none
  UnixTime now = 0;  // first-seen time; reference for "2 hours ago"
  std::string content_type = {};  // the HTTP Content-Type, may carry a charset
};

struct Extraction {
  std::vector<Item> items;             // in page order, repeated items collapsed
  FeedMeta meta;                       // the page's <title> and URL
  std::string encoding;                // the charset the page was read in
  std::string next_page;               // absolute URL from `paginate`; empty: none
  int matched = 0;                     // item elements before collapsing
  int collapsed = 0;                   // repeated items dropped
  int undated = 0;                     // items with no date text
  int bad_dates = 0;                   // items whose date text did not parse
  std::string picked;                  // with `auto`: the item selector of the list used
  std::vector<std::string> warnings;   // one line each, for operators
};

// Extracts every item of `html`. Items get a stable id (the canonical link,
// else a hash of title and date text), absolute links (against <base href>
// and page.url), UTC dates (first-seen time and the flag when missing),
// sanitised summary HTML with its plain text. Fails only when the page is
// too large or empty.
Result<Extraction> Extract(std::string_view html, const Rules& rules, const Page& page);

// The article body of an item's own page by the rules' `content` selector:
// sanitised HTML with absolute URLs, and its plain text. Fails when the
// selector matches nothing.
struct Content {
  std::string html;
  std::string text;
};
Result<Content> ExtractContent(std::string_view html, const Rules& rules, std::string_view url,
                               std::string_view content_type = {});

// The values `selector` picks from `html`, in document order: each matched
// element's text (whitespace collapsed) or its attribute.
std::vector<std::string> SelectValues(std::string_view html, const Selector& selector);

// A feed candidate found on a page: advertised with <link rel="alternate"
// type="application/rss+xml|atom+xml|feed+json|rdf+xml" href="...">, linked
// with an <a href> whose URL or text says feed/rss/atom, or one of the
// usual feed paths of the CMS the page shows. Only a fetch that parses as a
// feed proves it is one (find/feed_finder does that).
struct DiscoveredFeed {
  std::string url;    // absolute http(s)
  std::string type;   // as advertised, lower-cased; empty when not advertised
  std::string title;  // the <link> title, or the <a>'s text
  std::string how = "advertised";  // "advertised", "linked" or "probed"
};
// The advertised ones, in document order, duplicates removed; empty when
// none (or not HTML).
std::vector<DiscoveredFeed> DiscoverFeeds(std::string_view html, std::string_view page_url,
                                          std::string_view content_type = {});

struct FeedCandidates {
  std::vector<DiscoveredFeed> advertised;  // <link rel="alternate">
  std::vector<DiscoveredFeed> linked;      // <a>, those whose URL says so first
  // "wordpress", "blogger", "drupal", "joomla", "hugo" by the page's meta
  // generator or its asset paths (/wp-content/, /sites/default/files/,
  // blogger.com/static, /media/jui/ ...); empty when none is recognised.
  std::string cms;
  // The CMS's usual feed URLs on the page's site (a few generic ones when
  // no CMS is recognised), most specific first, none already advertised or
  // linked. Meant to be fetched only when nothing advertised or linked is a
  // feed.
  std::vector<DiscoveredFeed> probes;
};
// At most 20 of each kind. Empty when the page is empty or too large.
FeedCandidates FindFeedCandidates(std::string_view html, std::string_view page_url,
                                  std::string_view content_type = {});

}  // namespace redwire::scrape
