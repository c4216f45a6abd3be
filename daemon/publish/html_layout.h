// The one layout of every HTML page for people (front page, feed pages,
// search results, status): head, site header with the search box and the
// topics' navigation, footer, and the way an item is shown. Internal to
// publish; its callers pass only escaped markup they built from these.
#pragma once

#include <string>
#include <vector>

#include "daemon/publish/publish.h"

namespace redwire::publish {

// A <link rel="alternate"> in the head, for feed discovery.
struct Alternate {
  std::string type;   // "application/atom+xml"
  std::string title;
  std::string href;   // absolute
};

// Up to and including <main>. `title` is plain text; `query` prefills the
// search box.
std::string PageStart(const SiteInfo& site, const std::string& title, const std::vector<Alternate>& alternates,
                      const std::string& query = {});
// Closes <main> and adds the footer (OPML lists, status).
std::string PageEnd(const SiteInfo& site);

// An <a> to a page of this site (`url` is absolute, `text` plain).
std::string SiteLink(const std::string& url, const std::string& text, const char* css_class = nullptr);

// One item as an <article>: its title linking to the item (class "item",
// the only off-site links of a page), then badges for its source, date,
// language and topics, then at most 600 characters of its plain text.
// `heading` is "h2" or "h3".
std::string ItemArticle(const SiteInfo& site, const store::StoredItem& stored, const SourceInfo& source,
                        UnixTime fallback_time, const char* heading);

// "3 min ago", "in 2 h".
std::string Age(UnixTime t, UnixTime now);
// <time datetime="RFC 3339">YYYY-MM-DD HH:MM UTC</time>
std::string TimeTag(UnixTime t);

std::string TopicPageUrl(const SiteInfo& site, const std::string& topic_id);
std::string SourcePageUrl(const SiteInfo& site, const std::string& source_id);

}  // namespace redwire::publish
