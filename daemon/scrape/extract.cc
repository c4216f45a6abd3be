// Rules compilation and item extraction.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <unordered_map>
#include <unordered_set>

#include <pugixml.hpp>

#include "daemon/parse/parse.h"
#include "daemon/scrape/dom.h"
#include "util/hash.h"

namespace redwire::scrape {

struct Rules::Impl {
  RuleText text;
  std::optional<Selector> item, title, link, date, summary, author, image, content, paginate, date_group, date_page;
  bool date_from_link = false;  // date = "@link"
  std::optional<std::regex> title_pattern, link_pattern, date_pattern, summary_pattern, author_pattern,
      image_pattern;
  std::shared_ptr<const pugi::xpath_query> xpath;
};

namespace {

constexpr std::size_t kMaxTitleBytes = 1024;
constexpr std::size_t kMaxFieldBytes = 4096;
constexpr std::size_t kMaxPatternInputBytes = 4096;
constexpr std::size_t kMaxPatternBytes = 512;
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

// The first capture group of `pattern` in `value` (the whole match when the
// pattern has no group); empty when it does not match.
std::string Capture(const std::regex& pattern, std::string_view value) {
  value = value.substr(0, kMaxPatternInputBytes);
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_search(value.begin(), value.end(), m, pattern)) return {};
  const auto& group = m.size() > 1 && m[1].matched ? m[1] : m[0];
  return std::string(group.first, group.second);
}

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

bool HasRules(const RuleText& text) { return !text.item.empty() || !text.xpath.empty() || text.auto_suggest; }

Result<Rules> Rules::Compile(const RuleText& text, std::string* error_field, std::size_t* error_offset) {
  auto fail = [&](const char* field, std::size_t offset, const std::string& why) {
    if (error_field) *error_field = field;
    if (error_offset) *error_offset = offset;
    return Error{std::string(field) + ": " + why};
  };
  if (text.auto_suggest) {
    if (!text.item.empty() || !text.xpath.empty()) {
      return fail(text.item.empty() ? "xpath" : "item", 0, "auto = true finds the item list itself; remove item/xpath");
    }
  } else if (text.item.empty() == text.xpath.empty()) {
    return fail(text.item.empty() ? "item" : "xpath", 0,
                text.item.empty() ? "give an item selector (item = \"...\"), xpath = \"...\" or auto = true"
                                  : "give either item or xpath, not both");
  }
  auto impl = std::make_shared<Impl>();
  impl->text = text;
  impl->date_from_link = text.date == "@link";
  const std::pair<const char*, std::pair<const std::string*, std::optional<Selector>*>> fields[] = {
      {"item", {&text.item, &impl->item}},          {"title", {&text.title, &impl->title}},
      {"link", {&text.link, &impl->link}},          {"date", {&text.date, &impl->date}},
      {"summary", {&text.summary, &impl->summary}}, {"author", {&text.author, &impl->author}},
      {"image", {&text.image, &impl->image}},       {"content", {&text.content, &impl->content}},
      {"paginate", {&text.paginate, &impl->paginate}}, {"date_group", {&text.date_group, &impl->date_group}},
      {"date_page", {&text.date_page, &impl->date_page}},
  };
  for (const auto& [name, field] : fields) {
    if (field.first->empty() || (field.second == &impl->date && impl->date_from_link)) continue;
    std::size_t offset = 0;
    auto compiled = Selector::Compile(*field.first, &offset);
    if (!compiled.ok()) return fail(name, offset, compiled.error().message);
    *field.second = std::move(compiled.value());
  }
  const std::pair<const char*, std::pair<const std::string*, std::optional<std::regex>*>> patterns[] = {
      {"title_pattern", {&text.title_pattern, &impl->title_pattern}},
      {"link_pattern", {&text.link_pattern, &impl->link_pattern}},
      {"date_pattern", {&text.date_pattern, &impl->date_pattern}},
      {"summary_pattern", {&text.summary_pattern, &impl->summary_pattern}},
      {"author_pattern", {&text.author_pattern, &impl->author_pattern}},
      {"image_pattern", {&text.image_pattern, &impl->image_pattern}},
  };
  for (const auto& [name, field] : patterns) {
    if (field.first->empty()) continue;
    if (field.first->size() > kMaxPatternBytes) {
      return fail(name, kMaxPatternBytes, "pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes");
    }
    try {
      *field.second = std::regex(*field.first, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return fail(name, 0, std::string("bad regular expression: ") + e.what());
    }
  }
  if (!text.date_lang.empty() && !parse::IsKnownDateLanguage(text.date_lang)) {
    return fail("date_lang", 0, "unknown language '" + text.date_lang + "' (known: " +
                                    parse::KnownDateLanguages() + ")");
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
  Dom dom(html, page.content_type);
  if (!dom.error().empty()) return Error{dom.error()};
  return ExtractFrom(dom, rules, page);
}

namespace {

// `auto = true`: the list Suggest ranks first, with the source's own keys
// (follow, content, paginate, date_lang...) kept.
Result<Extraction> ExtractAuto(const Dom& dom, const Rules& rules, const Page& page) {
  const RuleText& own = rules.text();
  std::vector<Suggestion> found = SuggestFrom(dom, page, 1);
  if (found.empty()) {
    Extraction out;
    out.encoding = dom.encoding();
    out.meta.title = dom.Title();
    out.meta.link = page.url;
    out.warnings.push_back("auto: no repeated list of article links found on the page");
    return out;
  }
  RuleText text = found.front().rules;
  text.auto_suggest = false;
  text.content = own.content;
  text.follow = own.follow;
  text.paginate = own.paginate;
  text.max_pages = own.max_pages;
  text.max_follow = own.max_follow;
  text.summary = own.summary;
  text.author = own.author;
  if (!own.date_lang.empty()) text.date_lang = own.date_lang;
  if (!own.date_format.empty() && text.date_format.empty()) text.date_format = own.date_format;
  auto compiled = Rules::Compile(text);
  if (!compiled.ok()) return Error{"auto: the suggested rules do not compile: " + compiled.error().message};
  auto out = ExtractFrom(dom, compiled.value(), page);
  if (out.ok()) out->picked = text.item;
  return out;
}

}  // namespace

Result<Extraction> ExtractFrom(const Dom& dom, const Rules& rules, const Page& page) {
  const Rules::Impl& r = rules.impl();
  if (r.text.auto_suggest) return ExtractAuto(dom, rules, page);
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

  // Dates from outside the items: the last group header before each item
  // (one walk in document order), and the page's own date.
  std::unordered_map<const GumboNode*, std::string> group_dates;
  if (r.date_group && !nodes.empty()) {
    const std::unordered_set<const GumboNode*> wanted(nodes.begin(), nodes.end());
    std::string current;
    ForEachElement(dom.document(), [&](const GumboNode* n) {
      if (wanted.count(n) && !current.empty()) group_dates.emplace(n, current);
      if (Matches(n, *r.date_group, dom.document())) current = ValueOf(n, *r.date_group);
      return true;
    });
  }
  std::string page_date_text;
  std::optional<UnixTime> page_date;
  if (r.date_page) {
    if (const GumboNode* n = First(dom.document(), *r.date_page)) page_date_text = ValueOf(n, *r.date_page);
    if (!page_date_text.empty()) page_date = FindDate(page_date_text, hints);
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
    MainLink main;
    const bool need_main = !r.link || !r.title;
    if (need_main) main = FindMainLink(node, base);
    if (r.link) {
      if (const GumboNode* n = First(node, *r.link)) {
        link_text = ValueOf(n, *r.link);
        if (r.link->attribute().empty() && Attr(n, "href")) link_text = Attr(n, "href");
      }
    } else if (const char* href = node->v.element.tag == GUMBO_TAG_A ? Attr(node, "href") : nullptr) {
      link_text = href;
    } else if (main.anchor) {
      link_text = main.url;
    } else if (const GumboNode* n = First(node, DefaultAnchor())) {
      link_text = ValueOf(n, DefaultAnchor());
    }
    if (r.link_pattern) link_text = Capture(*r.link_pattern, link_text);
    if (!link_text.empty()) {
      std::string resolved = EncodeUrl(parse::ResolveUrl(base, link_text));
      if (IsHttp(resolved)) {
        item.link = Cap(std::move(resolved), kMaxFieldBytes);
        item.canonical_link = parse::CanonicalUrl(item.link);
        ++hits.link;
      }
    }

    if (r.title) {
      if (const GumboNode* n = First(node, *r.title)) item.title = ValueOf(n, *r.title);
    } else {
      // The first heading, unless it is a kicker ("ANALYSIS", a section
      // name) above the heading or text of the main link.
      const GumboNode* heading = First(node, DefaultTitle());
      std::string heading_text = heading ? ValueOf(heading, DefaultTitle()) : "";
      const bool kicker = main.anchor && !main.text.empty() && main.text.size() > heading_text.size() &&
                          (!heading || (!Contains(heading, main.anchor) && !Contains(main.anchor, heading)));
      item.title = kicker ? main.text : std::move(heading_text);
    }
    if (r.title_pattern) item.title = Capture(*r.title_pattern, item.title);
    item.title = Cap(std::move(item.title), kMaxTitleBytes);
    if (!item.title.empty()) ++hits.title;

    if (r.summary) {
      if (const GumboNode* n = First(node, *r.summary)) {
        // The element's own text is the sanitised summary's text (both
        // leave scripts and styles out) without parsing the HTML again.
        item.summary_text = r.summary->attribute().empty() ? TextOf(n) : ValueOf(n, *r.summary);
        if (r.summary_pattern) {
          item.summary_text = Capture(*r.summary_pattern, item.summary_text);
          item.summary = EscapeText(item.summary_text);
        } else {
          item.summary = r.summary->attribute().empty() ? parse::SanitizeHtml(InnerHtml(n), base)
                                                        : EscapeText(item.summary_text);
        }
        if (!item.summary_text.empty()) ++hits.summary;
      }
    }
    if (r.author) {
      if (const GumboNode* n = First(node, *r.author)) item.author = ValueOf(n, *r.author);
      if (r.author_pattern) item.author = Capture(*r.author_pattern, item.author);
      item.author = Cap(std::move(item.author), kMaxTitleBytes);
      if (!item.author.empty()) ++hits.author;
    }
    if (r.image) {
      if (const GumboNode* n = First(node, *r.image)) {
        std::string src;
        if (!r.image->attribute().empty()) {
          src = ValueOf(n, *r.image);
          if (r.image->attribute() == "srcset" || r.image->attribute() == "data-srcset") src = BestSrcset(src);
        } else if (n->v.element.tag == GUMBO_TAG_IMG) {
          src = ImageSource(n);
        } else if (const char* plain = Attr(n, "src")) {
          src = plain;
        }
        if (r.image_pattern) src = Capture(*r.image_pattern, src);
        std::string url = src.empty() ? "" : EncodeUrl(parse::ResolveUrl(base, src));
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
    if (r.date_from_link) {
      date_text = item.link;
    } else if (const GumboNode* n = First(node, r.date ? *r.date : DefaultTime())) {
      date_text = ValueOf(n, r.date ? *r.date : DefaultTime());
    }
    if (r.date_pattern) date_text = Capture(*r.date_pattern, date_text);
    if (!date_text.empty()) ++hits.date;
    std::optional<UnixTime> when;
    if (!date_text.empty()) {
      std::string refusal;
      when = FindDate(date_text, hints, &refusal);
      if (!when) {
        ++out.bad_dates;
        if (!refusal.empty()) {
          auto& [count, example] = refused[refusal];
          if (count++ == 0) example = date_text.substr(0, 80);
        } else if (static_cast<int>(bad_date_examples.size()) < kMaxDateExamples) {
          bad_date_examples.push_back(date_text.substr(0, 80));
        }
      }
    }
    if (!when && r.date_group) {
      if (auto it = group_dates.find(node); it != group_dates.end()) {
        when = FindDate(it->second, hints);
        if (when && date_text.empty()) date_text = it->second;
      }
    }
    if (!when && page_date) {
      when = page_date;
      if (date_text.empty()) date_text = page_date_text;
    }
    if (when) {
      item.published = *when;
      item.updated = *when;
    } else {
      if (date_text.empty()) ++out.undated;
      item.published = page.now;
      item.updated = page.now;
      item.date_is_first_seen = true;
    }

    if (item.title.empty()) item.title = Cap(!item.summary_text.empty() ? item.summary_text : item.link, 200);
    // A link-less item is known by what it says and when, so the same
    // statement keeps its id from poll to poll.
    item.id = !item.canonical_link.empty()
                  ? item.canonical_link
                  : "hash:" + util::Hex64(util::Fnv1a64(item.title + "\n" + date_text, util::kFnv1a64ScrapeIdBasis));
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
      std::string next = href.empty() ? "" : EncodeUrl(parse::ResolveUrl(base, href));
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
  if (r.date_from_link && n > 0 && hits.date == 0) {
    out.warnings.push_back("date = \"@link\"" + (r.date_pattern ? " with date_pattern '" + r.text.date_pattern + "'" : std::string()) +
                           " found no date in any of " + std::to_string(n) + " links");
  }
  if (r.date_group && n > 0 && group_dates.empty()) {
    out.warnings.push_back("date_group selector '" + r.date_group->text() + "' found no header above any item");
  }
  if (r.date_page && n > 0 && !page_date) {
    out.warnings.push_back("date_page selector '" + r.date_page->text() + "' " +
                           (page_date_text.empty() ? "matched nothing" : "gave '" + page_date_text.substr(0, 80) + "', no date"));
  }
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
