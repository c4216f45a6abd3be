// What an item's markup means when no rule says it: dates in running text,
// article links among navigation and tag links, lazy images. The rules'
// defaults (extract.cc) and Suggest (suggest.cc) read pages the same way.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include "daemon/scrape/dom.h"

namespace redwire::scrape {
namespace {

constexpr std::size_t kMaxDateTextBytes = 256;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Without the bullets, pipes and punctuation sites put around dates
// ("• 1/29/14 10:02 AM", "1 April 2026.-").
std::string_view TrimDecoration(std::string_view s) {
  static constexpr std::string_view kMarks[] = {"•", "·", "»", "«", "–", "—", "|", " ", "\t", "\n", "\r",
                                                ",", ".", ";", ":", "-", "(", ")", "[", "]", "\xC2\xA0"};
  for (bool changed = true; changed && !s.empty();) {
    changed = false;
    for (std::string_view m : kMarks) {
      if (s.substr(0, m.size()) == m) {
        s.remove_prefix(m.size());
        changed = true;
      }
      if (s.size() >= m.size() && s.substr(s.size() - m.size()) == m) {
        s.remove_suffix(m.size());
        changed = true;
      }
    }
  }
  return s;
}

// scheme://host of an absolute URL, lower-cased, without "www.".
std::string HostOf(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string host = Lower(rest.substr(0, rest.find(':')));
  if (host.rfind("www.", 0) == 0) host.erase(0, 4);
  return host;
}

std::vector<std::string> PathSegments(std::string_view url) {
  std::vector<std::string> out;
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return out;
  std::string_view rest = url.substr(scheme + 3);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return out;
  rest = rest.substr(slash, rest.find_first_of("?#", slash) - slash);
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && rest[i] == '/') ++i;
    std::size_t j = i;
    while (j < rest.size() && rest[j] != '/') ++j;
    if (j > i) out.push_back(Lower(rest.substr(i, j - i)));
    i = j;
  }
  return out;
}

std::string QueryOf(std::string_view url) {
  const std::size_t q = url.find('?');
  if (q == std::string_view::npos) return {};
  return Lower(url.substr(q + 1, url.find('#', q) - q - 1));
}

// Listing pages of a taxonomy in the CMSes of the field (WordPress tag,
// category, author; Blogger search/label; Drupal taxonomy/term; Joomla
// tag and category views) and their translations on party sites.
bool IsTaxonomySegment(std::string_view s) {
  static constexpr std::string_view kNames[] = {
      "tag", "tags", "category", "categories", "label", "labels", "author", "authors", "search",
      "taxonomy", "term", "topic", "topics", "etiqueta", "etiquetas", "categoria", "rubrique", "schlagwort",
      "thema", "ετικέτα", "ετικέτες", "κατηγορία", "тег", "теги", "рубрика", "etiket", "kategori"};
  return std::find(std::begin(kNames), std::end(kNames), s) != std::end(kNames);
}

bool IsTaxonomyQuery(std::string_view query) {
  for (std::string_view key : {"tag=", "cat=", "category=", "label=", "author=", "s=", "q=", "search="}) {
    for (std::size_t at = query.find(key); at != std::string_view::npos; at = query.find(key, at + 1)) {
      if (at == 0 || query[at - 1] == '&') return true;
    }
  }
  return false;
}

bool IsFile(std::string_view segment) {
  for (std::string_view ext : {".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".zip", ".doc", ".docx", ".mp3",
                               ".mp4", ".xml", ".rss", ".css", ".js"}) {
    if (segment.size() > ext.size() && segment.substr(segment.size() - ext.size()) == ext) return true;
  }
  return false;
}

bool HasToken(const char* list, std::initializer_list<std::string_view> tokens) {
  if (!list) return false;
  const std::string lower = Lower(list);
  std::size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !std::isalnum(static_cast<unsigned char>(lower[i]))) ++i;
    std::size_t j = i;
    while (j < lower.size() && std::isalnum(static_cast<unsigned char>(lower[j]))) ++j;
    const std::string_view word = std::string_view(lower).substr(i, j - i);
    if (!word.empty() && std::find(tokens.begin(), tokens.end(), word) != tokens.end()) return true;
    i = j;
  }
  return false;
}

}  // namespace

std::optional<UnixTime> FindDate(std::string_view text, const parse::DateHints& hints, std::string* refusal) {
  std::string ignored;
  if (!refusal) refusal = &ignored;
  text = TrimDecoration(text.substr(0, kMaxDateTextBytes));
  if (text.empty()) return std::nullopt;
  if (auto t = parse::ParseHumanDate(text, hints, refusal)) return t;
  // A date refused whole is not to be found in its parts: "31 Января 2026"
  // in the future must not become last year's "31 Января".
  if (!refusal->empty()) return std::nullopt;
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size() && words.size() < 24) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '|' || text[i] == '\n' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '|' && text[j] != '\n' && text[j] != '\t') ++j;
    if (j > i) words.emplace_back(text.substr(i, j - i));
    i = j;
  }
  const std::size_t n = words.size();
  for (std::size_t len = std::min<std::size_t>(n, 6); len >= 1; --len) {
    for (std::size_t start = 0; start + len <= n; ++start) {
      if (len == n) continue;  // the whole text was tried above
      std::string window;
      for (std::size_t k = start; k < start + len; ++k) {
        if (!window.empty()) window += ' ';
        window += words[k];
      }
      const std::string_view trimmed = TrimDecoration(window);
      if (trimmed.empty()) continue;
      if (auto t = parse::ParseHumanDate(trimmed, hints, refusal)) return t;
      if (!refusal->empty()) return std::nullopt;
    }
  }
  return std::nullopt;
}

int ArticleScore(std::string_view url, std::string_view page_url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return 0;
  if (HostOf(url) != HostOf(page_url)) return 0;
  const std::vector<std::string> segments = PathSegments(url);
  const std::string query = QueryOf(url);
  if (IsTaxonomyQuery(query)) return 0;
  for (const auto& s : segments) {
    if (IsTaxonomySegment(s) || s == "page" || s == "feed" || s == "rss" || s == "wp-login.php") return 0;
  }
  // Joomla and old PHP CMSes: index.php?option=com_content&view=article&id=12
  const bool query_article = query.find("view=article") != std::string::npos ||
                             query.find("id=") != std::string::npos || query.find("p=") == 0;
  if (segments.empty()) return query_article ? 2 : 0;
  const std::string& last = segments.back();
  if (IsFile(last)) return 0;
  int score = 0;
  std::size_t words = 1, digits = 0;
  for (char c : last) {
    if (c == '-' || c == '_') ++words;
    if (std::isdigit(static_cast<unsigned char>(c))) ++digits;
  }
  if (words >= 3) score += 2;  // a slug: "statement-of-the-kke-on-..."
  if (digits >= 2) score += 1;  // an id: "/node/4512", "/article/123"
  if (last.size() > 5 && (last.ends_with(".html") || last.ends_with(".htm"))) score += 1;
  // A date in the path: "/2024/05/03/", "/2024-05-03-"
  for (const auto& s : segments) {
    if (s.size() == 4 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }) &&
        (s[0] == '1' || s[0] == '2')) {
      score += 1;
      break;
    }
  }
  if (query_article) score += 2;
  if (score > 0 && segments.size() >= 2) score += 1;
  // Not a slug, id or date: a section such as "/news" or "/en/about".
  if (score == 0 && segments.size() >= 3 && last.size() >= 12) score = 1;
  return score;
}

bool IsTaxonomyLink(const GumboNode* anchor, std::string_view url) {
  if (HasToken(Attr(anchor, "rel"), {"tag", "category"})) return true;
  if (IsTaxonomyQuery(QueryOf(url))) return true;
  for (const auto& s : PathSegments(url)) {
    if (IsTaxonomySegment(s)) return true;
  }
  return false;
}

bool IsBoilerplate(const GumboNode* node) {
  const GumboTag tag = node->v.element.tag;
  if (tag == GUMBO_TAG_NAV || tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
      tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_FORM || tag == GUMBO_TAG_SELECT) {
    return true;
  }
  if (Attr(node, "hidden")) return true;
  if (const char* aria = Attr(node, "aria-hidden"); aria && std::strcmp(aria, "true") == 0) return true;
  if (const char* style = Attr(node, "style")) {
    std::string s = Lower(style);
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    if (s.find("display:none") != std::string::npos || s.find("visibility:hidden") != std::string::npos) return true;
  }
  static const std::initializer_list<std::string_view> kTokens = {
      "ad",      "ads",        "advert",  "advertisement", "adsbygoogle", "banner", "sponsor", "sponsored",
      "promo",   "menu",       "navbar",  "nav",           "navigation",  "breadcrumb", "breadcrumbs",
      "cookie",  "cookies",    "gdpr",    "share",         "social",      "sharing", "hidden", "pagination",
      "pager",   "skip",       "offcanvas"};
  return HasToken(Attr(node, "class"), kTokens) || HasToken(Attr(node, "id"), kTokens);
}

bool IsHeading(const GumboNode* node) {
  switch (node->v.element.tag) {
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
      return true;
    default:
      return false;
  }
}

bool Contains(const GumboNode* ancestor, const GumboNode* node) {
  for (; node; node = node->parent) {
    if (node == ancestor) return true;
  }
  return false;
}

MainLink FindMainLink(const GumboNode* block, std::string_view base) {
  struct Candidate {
    MainLink link;
    std::size_t order = 0;
    std::size_t anchor_text = 0;
  };
  std::map<std::string, Candidate> by_url;
  std::size_t order = 0;
  auto consider = [&](const GumboNode* a) {
    const char* href = Attr(a, "href");
    if (!href || !*href || *href == '#') return;
    std::string url = EncodeUrl(parse::ResolveUrl(base, href));
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return;
    if (IsTaxonomyLink(a, url)) return;
    std::string text = TextOf(a);
    if (text.empty()) {
      if (const char* title = Attr(a, "title")) text = title;
    }
    bool in_heading = false;
    for (const GumboNode* up = a; up && up != block->parent; up = up->parent) {
      if (IsElement(up) && IsHeading(up)) in_heading = true;
    }
    auto [it, fresh] = by_url.try_emplace(parse::CanonicalUrl(url));
    Candidate& c = it->second;
    if (fresh) {
      c.order = order++;
      c.link.url = std::move(url);
      c.link.score = ArticleScore(c.link.url, base);
    }
    // The anchor to read the title from: one in a heading, else the wordiest.
    if (fresh || (in_heading && !c.link.in_heading) ||
        (in_heading == c.link.in_heading && text.size() > c.anchor_text)) {
      c.link.anchor = a;
      c.link.in_heading = c.link.in_heading || in_heading;
      c.anchor_text = text.size();
    }
    if (text.size() > c.link.text.size()) c.link.text = std::move(text);
  };
  if (block->v.element.tag == GUMBO_TAG_A) consider(block);
  ForEachElement(block, [&](const GumboNode* n) {
    if (n->v.element.tag == GUMBO_TAG_A) consider(n);
    return by_url.size() < 64;
  });
  const Candidate* best = nullptr;
  auto better = [](const Candidate& a, const Candidate& b) {
    const bool a_article = a.link.score > 0, b_article = b.link.score > 0;
    if (a_article != b_article) return a_article;
    if (a.link.in_heading != b.link.in_heading) return a.link.in_heading;
    if (a.link.text.size() != b.link.text.size()) return a.link.text.size() > b.link.text.size();
    return a.order < b.order;
  };
  int article_urls = 0;
  for (const auto& [key, c] : by_url) {
    if (c.link.score > 0) ++article_urls;
    if (!best || better(c, *best)) best = &c;
  }
  MainLink out = best ? best->link : MainLink{};
  out.article_urls = article_urls;
  return out;
}

std::string BestSrcset(std::string_view srcset) {
  std::string best;
  double best_size = -1;
  std::size_t i = 0;
  while (i < srcset.size()) {
    while (i < srcset.size() && (srcset[i] == ' ' || srcset[i] == ',' || srcset[i] == '\n' || srcset[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < srcset.size() && srcset[j] != ' ' && srcset[j] != '\n' && srcset[j] != '\t') ++j;
    std::string url(srcset.substr(i, j - i));
    // A URL may itself end in a comma when no descriptor follows.
    while (!url.empty() && url.back() == ',') url.pop_back();
    std::size_t k = j;
    while (k < srcset.size() && srcset[k] != ',') ++k;
    std::string descriptor(srcset.substr(j, k - j));
    double size = 1;
    const std::size_t d = descriptor.find_first_of("0123456789");
    if (d != std::string::npos) size = std::atof(descriptor.c_str() + d);
    if (!url.empty() && url.rfind("data:", 0) != 0 && size > best_size) {
      best = std::move(url);
      best_size = size;
    }
    i = k + 1;
  }
  return best;
}

std::string ImageSource(const GumboNode* img) {
  for (const char* name : {"data-src", "data-lazy-src", "data-original", "data-url"}) {
    if (const char* v = Attr(img, name); v && *v) return v;
  }
  for (const char* name : {"data-srcset", "data-lazy-srcset", "srcset"}) {
    if (const char* v = Attr(img, name)) {
      if (std::string best = BestSrcset(v); !best.empty()) return best;
    }
  }
  const char* src = Attr(img, "src");
  if (!src || !*src) return {};
  const std::string lower = Lower(src);
  if (lower.rfind("data:", 0) == 0) return {};
  const std::string file = lower.substr(lower.find_last_of('/') + 1);
  for (std::string_view mark : {"placeholder", "blank.", "spacer", "lazy", "pixel.", "transparent.", "1x1"}) {
    if (file.find(mark) != std::string::npos) return {};
  }
  return src;
}

std::string EncodeUrl(std::string_view url) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(url.size());
  for (unsigned char c : url) {
    if (c >= 0x80 || c == ' ' || c < 0x20 || c == '"' || c == '<' || c == '>') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace redwire::scrape
