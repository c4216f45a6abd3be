// Rules compilation and item extraction.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include <pugixml.hpp>

#include "daemon/parse/parse.h"
#include "daemon/scrape/dom.h"

namespace redwire::scrape {

struct Rules::Impl {
  RuleText text;
  std::optional<Selector> item, title, link, date, summary, author, image, content, paginate;
  std::shared_ptr<const pugi::xpath_query> xpath;
};

namespace {

constexpr std::size_t kMaxTitleBytes = 1024;
constexpr std::size_t kMaxFieldBytes = 4096;
constexpr std::size_t kMaxDateTextBytes = 256;
// The XPath view of a page stops at this depth: deeper content is not
// addressable by XPath (CSS still sees it). Keeps pugixml's own recursion safe.
constexpr int kMaxXPathDepth = 512;
constexpr int kMaxDateExamples = 3;

// Fallbacks when a rule leaves a field out: what most news lists use.
const Selector& DefaultTitle() {
  static const Selector s = Selector::Compile("h1, h2, h3, h4, h5, h6").value();
  return s;
}
const Selector& DefaultAnchor() {
  static const Selector s = Selector::Compile("a[href] @href").value();
  return s;
}
const Selector& DefaultTime() {
  static const Selector s = Selector::Compile("time[datetime] @datetime").value();
  return s;
}

std::string Fnv1aHex(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  static const char* kHex = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[i] = kHex[h & 15];
  return out;
}

std::string Cap(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t cut = limit;
  // Never split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

bool IsHttp(std::string_view url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

std::string EscapeText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string ImageType(std::string_view url) {
  std::string path(url.substr(0, url.find_first_of("?#")));
  std::transform(path.begin(), path.end(), path.begin(), [](unsigned char c) { return std::tolower(c); });
  auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".jpg") || ends(".jpeg")) return "image/jpeg";
  if (ends(".png")) return "image/png";
  if (ends(".gif")) return "image/gif";
  if (ends(".webp")) return "image/webp";
  if (ends(".svg")) return "image/svg+xml";
  return "";
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

// The date inside a line such as "BY: Mark Waller | June 3, 2024" or
// "17/12/2019 Lebanon": the whole text first, then ever shorter runs of
// words, longest first, so "23-24 September 2017" wins over "2017". When
// none is a date, *refusal says why the first date-like run was refused.
std::optional<UnixTime> FindDate(std::string_view text, const parse::DateHints& hints,
                                 std::string* refusal) {
  text = TrimDecoration(text.substr(0, kMaxDateTextBytes));
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

// The XPath view of a gumbo tree, and the way back to gumbo elements.
class XPathView {
 public:
  explicit XPathView(const GumboNode* document) {
    struct Step {
      const GumboNode* node;
      pugi::xml_node parent;
      int depth;
    };
    std::vector<Step> stack;
    auto push_children = [&stack](const GumboNode* node, pugi::xml_node parent, int depth) {
      const GumboVector* kids = ChildrenOf(node);
      if (!kids || depth >= kMaxXPathDepth) return;
      for (unsigned i = kids->length; i-- > 0;) stack.push_back({static_cast<const GumboNode*>(kids->data[i]), parent, depth + 1});
    };
    push_children(document, doc_, 0);
    while (!stack.empty()) {
      Step step = stack.back();
      stack.pop_back();
      const GumboNode* n = step.node;
      if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
        step.parent.append_child(pugi::node_pcdata).set_value(n->v.text.text);
        continue;
      }
      if (!IsElement(n)) continue;
      pugi::xml_node el = step.parent.append_child(TagName(n).c_str());
      const GumboVector& attrs = n->v.element.attributes;
      for (unsigned i = 0; i < attrs.length; ++i) {
        const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
        el.append_attribute(a->name).set_value(a->value);
      }
      elements_.emplace(el.internal_object(), n);
      push_children(n, el, step.depth);
    }
  }

  std::vector<const GumboNode*> Select(const pugi::xpath_query& query, std::size_t limit,
                                       std::string& error) const {
    std::vector<const GumboNode*> out;
    try {
      pugi::xpath_node_set set = query.evaluate_node_set(doc_);
      set.sort();
      for (const auto& xn : set) {
        pugi::xml_node node = xn.node() ? xn.node() : xn.parent();
        while (node && node.type() != pugi::node_element) node = node.parent();
        if (!node) continue;
        auto it = elements_.find(node.internal_object());
        if (it == elements_.end()) continue;
        if (!out.empty() && out.back() == it->second) continue;
        out.push_back(it->second);
        if (out.size() >= limit) break;
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    return out;
  }

 private:
  pugi::xml_document doc_;
  std::unordered_map<const void*, const GumboNode*> elements_;
};

const GumboNode* First(const GumboNode* scope, const Selector& selector) {
  auto nodes = SelectNodes(scope, selector, 1);
  return nodes.empty() ? nullptr : nodes.front();
}

// Counts, per field, how many items its selector found something in.
struct FieldHits {
  int title = 0, link = 0, date = 0, summary = 0, author = 0, image = 0;
};

// Fills the empty fields of `into` from a repeat of the same item.
void Merge(Item& into, Item&& from) {
  if (into.title.empty()) into.title = std::move(from.title);
  if (into.summary.empty()) {
    into.summary = std::move(from.summary);
    into.summary_text = std::move(from.summary_text);
  }
  if (into.author.empty()) into.author = std::move(from.author);
  if (into.date_is_first_seen && !from.date_is_first_seen) {
    into.published = from.published;
    into.updated = from.updated;
    into.date_is_first_seen = false;
  }
  if (into.enclosures.empty()) into.enclosures = std::move(from.enclosures);
}

}  // namespace

bool HasRules(const RuleText& text) { return !text.item.empty() || !text.xpath.empty(); }

Result<Rules> Rules::Compile(const RuleText& text, std::string* error_field, std::size_t* error_offset) {
  auto fail = [&](const char* field, std::size_t offset, const std::string& why) {
    if (error_field) *error_field = field;
    if (error_offset) *error_offset = offset;
    return Error{std::string(field) + ": " + why};
  };
  if (text.item.empty() == text.xpath.empty()) {
    return fail(text.item.empty() ? "item" : "xpath", 0,
                text.item.empty() ? "give an item selector (item = \"...\") or xpath = \"...\""
                                  : "give either item or xpath, not both");
  }
  auto impl = std::make_shared<Impl>();
  impl->text = text;
  const std::pair<const char*, std::pair<const std::string*, std::optional<Selector>*>> fields[] = {
      {"item", {&text.item, &impl->item}},          {"title", {&text.title, &impl->title}},
      {"link", {&text.link, &impl->link}},          {"date", {&text.date, &impl->date}},
      {"summary", {&text.summary, &impl->summary}}, {"author", {&text.author, &impl->author}},
      {"image", {&text.image, &impl->image}},       {"content", {&text.content, &impl->content}},
      {"paginate", {&text.paginate, &impl->paginate}},
  };
  for (const auto& [name, field] : fields) {
    if (field.first->empty()) continue;
    std::size_t offset = 0;
    auto compiled = Selector::Compile(*field.first, &offset);
    if (!compiled.ok()) return fail(name, offset, compiled.error().message);
    *field.second = std::move(compiled.value());
  }
  if (!text.xpath.empty()) {
    try {
      auto query = std::make_shared<pugi::xpath_query>(text.xpath.c_str());
      impl->xpath = std::move(query);
    } catch (const pugi::xpath_exception& e) {
      return fail("xpath", static_cast<std::size_t>(std::max<std::ptrdiff_t>(e.result().offset, 0)), e.what());
    }
  }
  if (text.follow && text.content.empty()) return fail("content", 0, "follow = true needs a content selector");
  if (text.max_pages < 1 || text.max_pages > 100) return fail("max_pages", 0, "max_pages must be 1..100");
  if (text.max_follow < 0 || text.max_follow > 100) return fail("max_follow", 0, "max_follow must be 0..100");
  Rules rules;
  rules.impl_ = std::move(impl);
  return rules;
}

const RuleText& Rules::text() const { return impl_->text; }
bool Rules::follows() const { return impl_->text.follow && impl_->content.has_value(); }
bool Rules::paginates() const { return impl_->paginate.has_value(); }

Result<Extraction> Extract(std::string_view html, const Rules& rules, const Page& page) {
  if (html.size() > kMaxPageBytes) return Error{"page larger than " + std::to_string(kMaxPageBytes) + " bytes"};
  if (html.find_first_not_of(" \t\r\n") == std::string_view::npos) return Error{"empty page"};
  const Rules::Impl& r = rules.impl();
  Dom dom(html, page.content_type);
  if (!dom.error().empty()) return Error{dom.error()};
  const std::string base = dom.BaseUrl(page.url);
  Extraction out;
  out.encoding = dom.encoding();
  out.meta.title = dom.Title();
  out.meta.link = page.url;

  std::vector<const GumboNode*> nodes;
  if (r.xpath) {
    std::string error;
    nodes = XPathView(dom.document()).Select(*r.xpath, kMaxItemsPerPage + 1, error);
    if (!error.empty()) out.warnings.push_back("xpath failed: " + error);
  } else {
    nodes = SelectNodes(dom.document(), *r.item, kMaxItemsPerPage + 1);
  }
  if (nodes.size() > kMaxItemsPerPage) {
    nodes.resize(kMaxItemsPerPage);
    out.warnings.push_back("more than " + std::to_string(kMaxItemsPerPage) + " items; the rest are ignored");
  }
  out.matched = static_cast<int>(nodes.size());
  std::string language = page.lang;
  if (const char* lang = Attr(dom.root(), "lang"); lang && *lang) language = lang;

  parse::DateHints hints;
  hints.format = r.text.date_format;
  hints.lang = r.text.date_lang;
  hints.now = page.now;
  // A format that puts the month first also decides the fallback's reading
  // of other numeric dates on the same site ("10/8/14" next to "1/29/14").
  if (const auto m = hints.format.find("%m"), d = hints.format.find("%d");
      m != std::string::npos && d != std::string::npos) {
    hints.day_first = d < m;
  }

  FieldHits hits;
  std::vector<std::string> bad_date_examples;
  std::map<std::string, std::pair<int, std::string>> refused;  // reason -> count, example
  std::map<std::string, std::size_t> by_id;
  int untitled = 0;
  for (const GumboNode* node : nodes) {
    Item item;
    item.source_id = page.source_id;
    item.language = language;

    std::string link_text;
    if (r.link) {
      if (const GumboNode* n = First(node, *r.link)) {
        link_text = ValueOf(n, *r.link);
        if (r.link->attribute().empty() && Attr(n, "href")) link_text = Attr(n, "href");
      }
    } else if (const char* href = node->v.element.tag == GUMBO_TAG_A ? Attr(node, "href") : nullptr) {
      link_text = href;
    } else if (const GumboNode* n = First(node, DefaultAnchor())) {
      link_text = ValueOf(n, DefaultAnchor());
    }
    if (!link_text.empty()) {
      std::string resolved = parse::ResolveUrl(base, link_text);
      if (IsHttp(resolved)) {
        item.link = Cap(std::move(resolved), kMaxFieldBytes);
        item.canonical_link = parse::CanonicalUrl(item.link);
        ++hits.link;
      }
    }

    if (const GumboNode* n = First(node, r.title ? *r.title : DefaultTitle())) {
      item.title = Cap(ValueOf(n, r.title ? *r.title : DefaultTitle()), kMaxTitleBytes);
    }
    if (!item.title.empty()) ++hits.title;

    if (r.summary) {
      if (const GumboNode* n = First(node, *r.summary)) {
        // The element's own text is the sanitised summary's text (both
        // leave scripts and styles out) without parsing the HTML again.
        item.summary_text = r.summary->attribute().empty() ? TextOf(n) : ValueOf(n, *r.summary);
        item.summary = r.summary->attribute().empty() ? parse::SanitizeHtml(InnerHtml(n), base)
                                                      : EscapeText(item.summary_text);
        if (!item.summary_text.empty()) ++hits.summary;
      }
    }
    if (r.author) {
      if (const GumboNode* n = First(node, *r.author)) item.author = Cap(ValueOf(n, *r.author), kMaxTitleBytes);
      if (!item.author.empty()) ++hits.author;
    }
    if (r.image) {
      if (const GumboNode* n = First(node, *r.image)) {
        std::string src = ValueOf(n, *r.image);
        if (r.image->attribute().empty()) src = Attr(n, "src") ? Attr(n, "src") : "";
        std::string url = src.empty() ? "" : parse::ResolveUrl(base, src);
        if (IsHttp(url)) {
          item.enclosures.push_back(Enclosure{Cap(url, kMaxFieldBytes), ImageType(url), 0});
          ++hits.image;
        }
      }
    }

    if (item.title.empty() && item.link.empty()) {
      ++untitled;
      continue;
    }
    std::string date_text;
    if (const GumboNode* n = First(node, r.date ? *r.date : DefaultTime())) {
      date_text = ValueOf(n, r.date ? *r.date : DefaultTime());
    }
    if (!date_text.empty()) ++hits.date;
    std::string refusal;
    if (date_text.empty()) {
      ++out.undated;
    } else if (auto when = FindDate(date_text, hints, &refusal)) {
      item.published = *when;
      item.updated = *when;
    } else if (!refusal.empty()) {
      ++out.bad_dates;
      auto& [count, example] = refused[refusal];
      if (count++ == 0) example = date_text.substr(0, 80);
    } else {
      ++out.bad_dates;
      if (static_cast<int>(bad_date_examples.size()) < kMaxDateExamples) bad_date_examples.push_back(date_text.substr(0, 80));
    }
    if (item.published == 0) {
      item.published = page.now;
      item.updated = page.now;
      item.date_is_first_seen = true;
    }

    if (item.title.empty()) item.title = Cap(!item.summary_text.empty() ? item.summary_text : item.link, 200);
    // A link-less item is known by what it says and when, so the same
    // statement keeps its id from poll to poll.
    item.id = !item.canonical_link.empty() ? item.canonical_link
                                           : "hash:" + Fnv1aHex(item.title + "\n" + date_text);
    auto [it, fresh] = by_id.emplace(item.id, out.items.size());
    if (!fresh) {
      Merge(out.items[it->second], std::move(item));
      ++out.collapsed;
      continue;
    }
    out.items.push_back(std::move(item));
  }

  if (r.paginate) {
    if (const GumboNode* n = First(dom.document(), *r.paginate)) {
      std::string href = r.paginate->attribute().empty() ? (Attr(n, "href") ? Attr(n, "href") : "")
                                                         : ValueOf(n, *r.paginate);
      std::string next = href.empty() ? "" : parse::ResolveUrl(base, href);
      if (IsHttp(next) && parse::CanonicalUrl(next) != parse::CanonicalUrl(page.url)) out.next_page = next;
    }
  }

  const int n = out.matched;
  auto warn_field = [&](const char* field, const std::optional<Selector>& rule, int hit) {
    if (rule && n > 0 && hit == 0) {
      out.warnings.push_back(std::string(field) + " selector '" + rule->text() + "' matched nothing in " +
                             std::to_string(n) + " items");
    }
  };
  if (n == 0) {
    out.warnings.push_back(std::string(r.xpath ? "xpath '" + r.text.xpath : "item selector '" + r.text.item) +
                           "' matched nothing");
  }
  warn_field("title", r.title, hits.title);
  warn_field("link", r.link, hits.link);
  warn_field("date", r.date, hits.date);
  warn_field("summary", r.summary, hits.summary);
  warn_field("author", r.author, hits.author);
  warn_field("image", r.image, hits.image);
  if (untitled > 0) out.warnings.push_back(std::to_string(untitled) + " items had neither a title nor a link and were skipped");
  if (out.undated > 0 && n > 0) out.warnings.push_back(std::to_string(out.undated) + " items without a date (first-seen time used)");
  int unparsed = out.bad_dates;
  for (const auto& [reason, seen] : refused) unparsed -= seen.first;
  if (unparsed > 0) {
    std::string examples;
    for (const auto& e : bad_date_examples) examples += (examples.empty() ? "'" : ", '") + e + "'";
    out.warnings.push_back(std::to_string(unparsed) + " dates did not parse, e.g. " + examples +
                           (r.text.date_format.empty() ? " (set date_format?)" : ""));
  }
  for (const auto& [reason, seen] : refused) {
    out.warnings.push_back(std::to_string(seen.first) + " dates refused: " + reason + ", e.g. '" + seen.second +
                           "' (first-seen time used)");
  }
  if (r.paginate && out.next_page.empty() && n > 0) out.warnings.push_back("paginate selector '" + r.paginate->text() + "' found no next page");
  return out;
}

Result<Content> ExtractContent(std::string_view html, const Rules& rules, std::string_view url,
                               std::string_view content_type) {
  const Rules::Impl& r = rules.impl();
  if (!r.content) return Error{"no content selector"};
  if (html.size() > kMaxPageBytes) return Error{"page larger than " + std::to_string(kMaxPageBytes) + " bytes"};
  Dom dom(html, content_type);
  if (!dom.error().empty()) return Error{dom.error()};
  const std::string base = dom.BaseUrl(url);
  const GumboNode* n = First(dom.document(), *r.content);
  if (!n) return Error{"content selector '" + r.content->text() + "' matched nothing"};
  Content content;
  content.html = r.content->attribute().empty() ? parse::SanitizeHtml(InnerHtml(n), base)
                                                : EscapeText(ValueOf(n, *r.content));
  content.text = parse::HtmlToText(content.html);
  if (content.text.empty()) return Error{"content selector '" + r.content->text() + "' matched an empty element"};
  return content;
}

std::vector<std::string> SelectValues(std::string_view html, const Selector& selector) {
  Dom dom(html);
  std::vector<std::string> out;
  for (const GumboNode* n : SelectNodes(dom.document(), selector, kMaxItemsPerPage)) out.push_back(ValueOf(n, selector));
  return out;
}

}  // namespace redwire::scrape
