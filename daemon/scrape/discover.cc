// Feed discovery on a web page: the feeds it advertises (<link
// rel=alternate>), the ones it only links to with an <a> (Granma's
// `<a href="/feed" class="g-mid-header-rss">`, PCP's `/rss.xml`,
// Rizospastis's `rssFeed.do?channel=Top`), and the usual feed paths of the
// CMS it was built with, for the caller to probe.
#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "daemon/parse/parse.h"
#include "daemon/scrape/dom.h"

namespace redwire::scrape {
namespace {

constexpr std::size_t kMaxDiscovered = 20;
constexpr std::size_t kMaxTitle = 200;
// Anchors examined: a page with more links than this is not read further.
constexpr std::size_t kMaxAnchors = 20000;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n\f");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n\f") - first + 1);
}

bool IsHttp(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

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

// Lower-case ASCII words of `s`: "rssFeed.do?channel=Top" gives rssfeed,
// do, channel, top.
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && std::isalnum(u)) {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// rss, rss2, rss.xml, rssFeed.do, feed, feeds, atom, atom.xml, newsfeed;
// not "feedback" or "atomic".
bool SaysFeedInUrl(const std::string& word) {
  return word.rfind("rss", 0) == 0 || word == "feed" || word == "feeds" || word == "atom" ||
         (word.size() > 4 && word.compare(word.size() - 4, 4, "feed") == 0);
}

bool SaysFeedInText(const std::string& word) {
  return word == "rss" || word == "feed" || word == "feeds" || word == "atom";
}

// The part of an absolute URL after its authority; a host beginning with
// "feeds." (feeds.feedburner.com) counts as saying so too.
bool UrlSaysFeed(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const auto path = url.find_first_of("/?#", scheme + 3);
  const std::string host = Lower(url.substr(scheme + 3, path == std::string::npos ? std::string::npos : path - scheme - 3));
  if (host.rfind("feeds.", 0) == 0) return true;
  if (path == std::string::npos) return false;
  const auto fragment = url.find('#', path);
  const auto words = Words(std::string_view(url).substr(path, fragment == std::string::npos ? std::string::npos : fragment - path));
  return std::any_of(words.begin(), words.end(), SaysFeedInUrl);
}

// The anchor's text, title and the alt of images inside it (feed icons).
std::string AnchorText(const GumboNode* a) {
  std::string text = TextOf(a);
  if (const char* title = Attr(a, "title")) text += std::string(" ") + title;
  ForEachElement(a, [&text](const GumboNode* node) {
    if (node->v.element.tag == GUMBO_TAG_IMG) {
      if (const char* alt = Attr(node, "alt")) text += std::string(" ") + alt;
    }
    return text.size() < 1000;
  });
  return Trim(text);
}

struct Signature {
  const char* needle;  // in a link href, script src or img src
  const char* cms;
};
constexpr std::array<Signature, 10> kAssetSignatures{{
    {"/wp-content/", "wordpress"},
    {"/wp-includes/", "wordpress"},
    {"blogger.com/static/", "blogger"},
    {"blogblog.com/", "blogger"},
    {"/sites/default/files/", "drupal"},
    {"/sites/all/", "drupal"},
    {"/core/misc/drupal", "drupal"},
    {"/media/jui/", "joomla"},
    {"/media/system/js/", "joomla"},
    {"/components/com_", "joomla"},
}};

std::string CmsOfGenerator(const std::string& generator) {
  for (const char* cms : {"wordpress", "blogger", "drupal", "joomla", "hugo"}) {
    if (generator.rfind(cms, 0) == 0) return cms;
  }
  return {};
}

// Where each CMS serves its feeds, relative to the page ("feed/": the
// page's own category or archive feed) or to the site ("/feed/").
std::vector<std::string> ProbePaths(const std::string& cms) {
  if (cms == "wordpress") return {"feed/", "/feed/", "/?feed=rss2"};
  if (cms == "blogger") return {"/feeds/posts/default"};
  if (cms == "drupal") return {"/rss.xml"};
  if (cms == "joomla") return {"?format=feed&type=rss", "/index.php?format=feed&type=rss"};
  if (cms == "hugo") return {"index.xml", "/index.xml"};
  return {"/feed/", "/rss.xml", "/index.xml", "/atom.xml"};
}

}  // namespace

FeedCandidates FindFeedCandidates(std::string_view html, std::string_view page_url, std::string_view content_type) {
  FeedCandidates out;
  if (html.empty() || html.size() > kMaxPageBytes) return out;
  Dom dom(html, content_type);
  if (!dom.error().empty()) return out;
  const std::string base = dom.BaseUrl(page_url);
  std::set<std::string> seen{parse::CanonicalUrl(page_url)};
  std::vector<DiscoveredFeed> text_only;  // anchors whose text says feed, their URL not
  std::string generator_cms, asset_cms;
  std::size_t anchors = 0;
  ForEachElement(dom.document(), [&](const GumboNode* node) {
    const GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_META && generator_cms.empty()) {
      const char* name = Attr(node, "name");
      const char* content = Attr(node, "content");
      if (name && content && Lower(name) == "generator") generator_cms = CmsOfGenerator(Lower(Trim(content)));
    } else if (asset_cms.empty() && (tag == GUMBO_TAG_LINK || tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_IMG)) {
      const char* ref = Attr(node, tag == GUMBO_TAG_LINK ? "href" : "src");
      if (ref) {
        const std::string r = Lower(ref);
        for (const auto& s : kAssetSignatures) {
          if (r.find(s.needle) != std::string::npos) {
            asset_cms = s.cms;
            break;
          }
        }
      }
    }
    if (tag == GUMBO_TAG_LINK && out.advertised.size() < kMaxDiscovered) {
      const char* rel = Attr(node, "rel");
      const char* type = Attr(node, "type");
      const char* href = Attr(node, "href");
      if (!rel || !type || !href || !HasToken(Lower(rel), "alternate")) return true;
      // "application/rss+xml; charset=utf-8" names the same type.
      std::string t = Lower(Trim(std::string(type)));
      t = Trim(t.substr(0, t.find(';')));
      if (!IsFeedType(t)) return true;
      std::string url = parse::ResolveUrl(base, Trim(href));
      if (!IsHttp(url) || !seen.insert(parse::CanonicalUrl(url)).second) return true;
      const char* title = Attr(node, "title");
      out.advertised.push_back(DiscoveredFeed{std::move(url), t, title ? Trim(title).substr(0, kMaxTitle) : "", "advertised"});
      return true;
    }
    if (tag == GUMBO_TAG_A && ++anchors <= kMaxAnchors) {
      const char* href = Attr(node, "href");
      if (!href) return true;
      const std::string raw = Trim(href);
      if (raw.empty() || raw[0] == '#') return true;
      std::string url = parse::ResolveUrl(base, raw);
      if (!IsHttp(url)) return true;
      const char* type = Attr(node, "type");
      const bool typed = type && IsFeedType(Lower(Trim(type)));
      const bool by_url = typed || UrlSaysFeed(url);
      const std::string text = AnchorText(node);
      bool by_text = false;
      if (!by_url) {
        const auto words = Words(text);
        by_text = std::any_of(words.begin(), words.end(), SaysFeedInText);
      }
      if (!by_url && !by_text) return true;
      if (seen.count(parse::CanonicalUrl(url))) return true;
      auto& into = by_url ? out.linked : text_only;
      if (into.size() >= kMaxDiscovered) return true;
      seen.insert(parse::CanonicalUrl(url));
      into.push_back(DiscoveredFeed{std::move(url), typed ? Lower(Trim(type)) : "", text.substr(0, kMaxTitle), "linked"});
    }
    return true;
  });
  for (auto& f : text_only) {
    if (out.linked.size() >= kMaxDiscovered) break;
    out.linked.push_back(std::move(f));
  }
  out.cms = !generator_cms.empty() ? generator_cms : asset_cms;
  const std::string page(page_url);
  for (const auto& path : ProbePaths(out.cms)) {
    std::string url = parse::ResolveUrl(page, path);
    if (!IsHttp(url) || !seen.insert(parse::CanonicalUrl(url)).second) continue;
    out.probes.push_back(DiscoveredFeed{std::move(url), "", "", "probed"});
  }
  return out;
}

std::vector<DiscoveredFeed> DiscoverFeeds(std::string_view html, std::string_view page_url,
                                          std::string_view content_type) {
  return FindFeedCandidates(html, page_url, content_type).advertised;
}

}  // namespace redwire::scrape
