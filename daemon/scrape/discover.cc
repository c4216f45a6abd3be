// Feed autodiscovery: <link rel="alternate" type="..." href="...">.
#include <algorithm>
#include <cctype>
#include <set>

#include "daemon/parse/parse.h"
#include "daemon/scrape/dom.h"

namespace redwire::scrape {
namespace {

constexpr std::size_t kMaxDiscovered = 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n\f");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n\f") - first + 1);
}

bool HasToken(const std::string& list, std::string_view token) {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && std::isspace(static_cast<unsigned char>(list[i]))) ++i;
    std::size_t j = i;
    while (j < list.size() && !std::isspace(static_cast<unsigned char>(list[j]))) ++j;
    if (j > i && std::string_view(list).substr(i, j - i) == token) return true;
    i = j;
  }
  return false;
}

bool IsFeedType(const std::string& type) {
  return type == "application/rss+xml" || type == "application/atom+xml" || type == "application/feed+json" ||
         type == "application/rdf+xml";
}

}  // namespace

std::vector<DiscoveredFeed> DiscoverFeeds(std::string_view html, std::string_view page_url,
                                          std::string_view content_type) {
  std::vector<DiscoveredFeed> out;
  if (html.empty() || html.size() > kMaxPageBytes) return out;
  Dom dom(html, content_type);
  const std::string base = dom.BaseUrl(page_url);
  std::set<std::string> seen;
  ForEachElement(dom.document(), [&](const GumboNode* node) {
    if (node->v.element.tag != GUMBO_TAG_LINK) return true;
    const char* rel = Attr(node, "rel");
    const char* type = Attr(node, "type");
    const char* href = Attr(node, "href");
    if (!rel || !type || !href) return true;
    if (!HasToken(Lower(rel), "alternate")) return true;
    // "application/rss+xml; charset=utf-8" names the same type.
    std::string t = Lower(Trim(std::string(type)));
    t = Trim(t.substr(0, t.find(';')));
    if (!IsFeedType(t)) return true;
    std::string url = parse::ResolveUrl(base, Trim(href));
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return true;
    if (!seen.insert(parse::CanonicalUrl(url)).second) return true;
    const char* title = Attr(node, "title");
    out.push_back(DiscoveredFeed{std::move(url), t, title ? Trim(title).substr(0, 200) : ""});
    return out.size() < kMaxDiscovered;
  });
  return out;
}

}  // namespace redwire::scrape
