// The HTML pages that list items, for people reading in a browser: a feed's
// page, the front page and search results, all in the shared layout
// (html_layout.h). Items show plain text only, escaped, so nothing from a
// source can run or restyle a page.
#include <string>

#include "daemon/publish/html_layout.h"
#include "daemon/publish/internal.h"
#include "daemon/publish/publish.h"

namespace redwire::publish {
namespace {

SourceInfo SourceOf(const SourceLookup& source_of, const std::string& source_id) {
  return source_of ? source_of(source_id) : SourceInfo{source_id, {}, {}, {}};
}

// "Subscribe: Atom · JSON Feed" for one feed (absolute URLs; empty: left out).
std::string SubscribeLinks(const std::string& atom_url, const std::string& json_url) {
  std::string h = "<p class=\"subscribe\"><span>Subscribe:</span>";
  if (!atom_url.empty()) h += SiteLink(atom_url, "Atom");
  if (!json_url.empty()) h += SiteLink(json_url, "JSON Feed");
  return h + "</p>\n";
}

}  // namespace

std::string RenderFeedPage(const SiteInfo& site, const FeedInfo& feed,
                           const std::vector<store::StoredItem>& items, const SourceLookup& source_of) {
  std::string h = PageStart(site, feed.title,
                            {{"application/atom+xml", feed.title, feed.atom_url},
                             {"application/feed+json", feed.title, feed.json_url}});
  h += "<h1 dir=\"auto\">" + HtmlText(XmlText(feed.title)) + "</h1>\n";
  h += SubscribeLinks(feed.atom_url, feed.json_url);
  if (items.empty()) h += "<p>No items yet.</p>\n";
  for (const auto& stored : items) {
    h += ItemArticle(site, stored, SourceOf(source_of, stored.item.source_id), feed.generated_at, "h2");
  }
  if (!feed.previous_url.empty() || !feed.next_url.empty()) {
    h += "<nav class=\"pages\" aria-label=\"Pages\">";
    if (!feed.previous_url.empty()) {
      h += "<a rel=\"prev\" href=\"" + HtmlText(XmlText(feed.previous_url)) + "\">← newer</a>";
    }
    if (!feed.next_url.empty()) h += "<a rel=\"next\" href=\"" + HtmlText(XmlText(feed.next_url)) + "\">older →</a>";
    h += "</nav>\n";
  }
  return h + PageEnd(site);
}

std::string RenderFrontPage(const SiteInfo& site, const std::vector<FrontTopic>& topics,
                            const std::vector<store::StoredItem>& latest,
                            const std::vector<IndexSource>& sources, const SourceLookup& source_of,
                            UnixTime generated_at) {
  const std::string all = site.base_url + "/all";
  std::vector<Alternate> alternates = {{"application/atom+xml", "All items", all + ".atom"},
                                       {"application/feed+json", "All items", all + ".json"}};
  for (const FrontTopic& t : topics) {
    alternates.push_back({"application/atom+xml", t.topic.title,
                          site.base_url + "/topics/" + PathSegment(t.topic.id) + ".atom"});
  }
  std::string h = PageStart(site, "redwire — news of communist and workers' parties", alternates);
  h += "<h1>Newest items by topic</h1>\n";
  h += "<p class=\"subscribe\"><span>All items:</span>" + SiteLink(all + ".html", "page") +
       SiteLink(all + ".atom", "Atom") + SiteLink(all + ".json", "JSON Feed") +
       "<span>Every topic:</span>" + SiteLink(site.base_url + "/topics.opml", "OPML") + "</p>\n";

  if (topics.empty()) {
    h += "<p>No topics are configured; the newest items of all sources:</p>\n";
    for (const auto& stored : latest) {
      h += ItemArticle(site, stored, SourceOf(source_of, stored.item.source_id), generated_at, "h2");
    }
    if (latest.empty()) h += "<p>No items yet.</p>\n";
  }
  h += "<div class=\"grid\">\n";
  for (const FrontTopic& t : topics) {
    const std::string stem = site.base_url + "/topics/" + PathSegment(t.topic.id);
    h += "<section class=\"topic\">\n<h2 dir=\"auto\">" + SiteLink(stem + ".html", t.topic.title) + "</h2>\n";
    h += SubscribeLinks(stem + ".atom", stem + ".json");
    if (t.items.empty()) h += "<p>No items yet.</p>\n";
    for (const auto& stored : t.items) {
      h += ItemArticle(site, stored, SourceOf(source_of, stored.item.source_id), generated_at, "h3");
    }
    if (!t.items.empty()) h += "<p class=\"more\">" + SiteLink(stem + ".html", "More in " + t.topic.title + " →") + "</p>\n";
    h += "</section>\n";
  }
  h += "</div>\n";

  if (!sources.empty()) {
    h += "<h2>Sources</h2>\n<p class=\"subscribe\">";
    for (const IndexSource& s : sources) h += SiteLink(SourcePageUrl(site, s.id), s.name);
    h += "<span>All sources:</span>" + SiteLink(site.base_url + "/sources.opml", "OPML") + "</p>\n";
  }
  return h + PageEnd(site);
}

std::string RenderSearchPage(const SiteInfo& site, const SearchInfo& search,
                             const std::vector<store::StoredItem>& items, const SourceLookup& source_of,
                             UnixTime generated_at) {
  const std::string title = search.query.empty() ? "Search" : "Search: " + search.query;
  std::string h = PageStart(site, "redwire — " + title, {{"application/atom+xml", title, search.atom_url}},
                            search.query);
  h += "<h1 dir=\"auto\">" + HtmlText(XmlText(title)) + "</h1>\n";
  if (!search.problem.empty()) {
    h += "<p>" + HtmlText(XmlText(search.problem)) + "</p>\n";
    return h + PageEnd(site);
  }
  h += "<p class=\"subscribe\"><span>" + HtmlText(std::to_string(items.size())) +
       (items.size() == 1 ? " item" : " items") + ", newest first.</span>";
  if (!search.atom_url.empty()) h += "<span>Subscribe to this search:</span>" + SiteLink(search.atom_url, "Atom");
  h += "</p>\n";
  if (items.empty()) h += "<p>Nothing matches.</p>\n";
  for (const auto& stored : items) {
    h += ItemArticle(site, stored, SourceOf(source_of, stored.item.source_id), generated_at, "h2");
  }
  return h + PageEnd(site);
}

}  // namespace redwire::publish
