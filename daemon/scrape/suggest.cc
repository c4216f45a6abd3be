// Finding a page's news list without rules: group elements by where they
// sit (same tag and stable classes under the same ancestor), keep the groups
// whose blocks each hold one main article link, rank them by how many such
// blocks they have and how wordy their titles are, then write and test the
// rules for the best few.
#include "daemon/scrape/suggest.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <map>
#include <regex>
#include <unordered_map>
#include <unordered_set>

#include "daemon/scrape/dom.h"

namespace redwire::scrape {
namespace {

constexpr std::size_t kMinBlocks = 3;
// Blocks may be cousins rather than siblings: Blogger puts each day's posts
// in a wrapper of their own, so the posts of a page share only an ancestor
// three levels up.
constexpr int kMaxLevels = 3;
// Only the structurally best lists get rules written and an extraction run.
constexpr std::size_t kMaxCandidates = 10;
constexpr std::size_t kMaxDateText = 64;
constexpr std::size_t kMinDateText = 4;
constexpr int kMaxMastheadChecks = 400;
constexpr int kMaxHeaderSteps = 8;
constexpr std::size_t kMaxTitleWeight = 80;  // code points; longer titles count no more

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool PlainName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-') return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

// Classes that name what a block is, not which one it is: per-item ids
// ("post-4512"), taxonomies ("category-news"), states ("odd", "sticky").
bool StableClass(std::string_view c) {
  if (!PlainName(c)) return false;
  if (std::any_of(c.begin(), c.end(), [](unsigned char ch) { return std::isdigit(ch); })) return false;
  static constexpr std::string_view kPrefixes[] = {"category-", "tag-", "format-", "status-", "has-", "author-",
                                                   "views-row-", "is-", "post-format-", "level-", "col-"};
  for (std::string_view p : kPrefixes) {
    if (c.substr(0, p.size()) == p) return false;
  }
  static constexpr std::string_view kStates[] = {"odd", "even", "first", "last", "active", "current", "sticky",
                                                 "featured", "new", "selected", "open", "show"};
  return std::find(std::begin(kStates), std::end(kStates), c) == std::end(kStates);
}

std::vector<std::string> StableClasses(const GumboNode* n) {
  std::vector<std::string> out;
  const char* list = Attr(n, "class");
  if (!list) return out;
  std::string_view s = list;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i && StableClass(s.substr(i, j - i))) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string Compound(const GumboNode* n, const std::vector<std::string>& classes) {
  std::string out = TagName(n);
  for (const auto& c : classes) out += "." + c;
  return out;
}

// A selector part for an ancestor: its id when it is a fixed one (and
// `use_id`), else its tag and stable classes.
std::string Describe(const GumboNode* n, bool use_id) {
  if (const char* id = Attr(n, "id"); use_id && id && PlainName(id) &&
                                      std::none_of(id, id + std::strlen(id), [](unsigned char c) { return std::isdigit(c); })) {
    return TagName(n) + "#" + id;
  }
  return Compound(n, StableClasses(n));
}

const GumboNode* Ancestor(const GumboNode* n, int levels) {
  for (int i = 0; i < levels && n; ++i) n = n->parent;
  return n && IsElement(n) ? n : nullptr;
}

bool Skipped(const GumboNode* n) {
  const GumboTag tag = n->v.element.tag;
  return tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR || tag == GUMBO_TAG_OPTION ||
         tag == GUMBO_TAG_IFRAME || tag == GUMBO_TAG_SVG || IsBoilerplate(n);
}

// Side columns and page furniture hold lists of links too ("most read",
// "related"): they rank below the main column.
bool InSideZone(const GumboNode* n) {
  static constexpr std::string_view kWords[] = {"sidebar", "widget", "footer", "related", "popular", "most",
                                                "trending", "aside", "header", "masthead", "ticker"};
  for (const GumboNode* up = n; up && IsElement(up); up = up->parent) {
    const GumboTag tag = up->v.element.tag;
    if (tag == GUMBO_TAG_ASIDE || tag == GUMBO_TAG_FOOTER || tag == GUMBO_TAG_HEADER) return true;
    for (const char* attr : {"class", "id"}) {
      const char* v = Attr(up, attr);
      if (!v) continue;
      const std::string lower = Lower(v);
      for (std::string_view w : kWords) {
        if (lower.find(w) != std::string::npos) return true;
      }
    }
  }
  return false;
}

struct Candidate {
  std::vector<const GumboNode*> blocks;
  int level = 1;
  std::vector<MainLink> mains;  // per block
  double score = 0;
};

// Groups every element under the body by (ancestor `level` up, the path of
// signatures down to it); groups of at least kMinBlocks are lists.
std::vector<Candidate> Groups(const Dom& dom) {
  std::unordered_map<const GumboNode*, std::string> signature;
  std::unordered_map<std::string, Candidate> groups;
  std::vector<std::string> order;
  std::vector<const GumboNode*> stack;
  auto push_children = [&stack](const GumboNode* node) {
    const GumboVector* kids = ChildrenOf(node);
    if (!kids) return;
    for (unsigned i = kids->length; i-- > 0;) {
      const auto* child = static_cast<const GumboNode*>(kids->data[i]);
      if (IsElement(child) && !Skipped(child)) stack.push_back(child);
    }
  };
  push_children(dom.document());
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    const std::string& sig = signature.emplace(node, Compound(node, StableClasses(node))).first->second;
    std::string path = "|" + sig;
    for (int level = 1; level <= kMaxLevels; ++level) {
      const GumboNode* ancestor = Ancestor(node, level);
      if (!ancestor || ancestor->v.element.tag == GUMBO_TAG_HTML) break;
      std::string key(reinterpret_cast<const char*>(&ancestor), sizeof ancestor);
      key += std::to_string(level) + path;
      auto [it, fresh] = groups.try_emplace(key);
      if (fresh) {
        it->second.level = level;
        order.push_back(key);
      }
      if (it->second.blocks.size() <= kMaxItemsPerPage) it->second.blocks.push_back(node);
      const GumboNode* step = Ancestor(node, level);
      auto s = signature.find(step);
      if (s == signature.end()) break;
      path = "|" + s->second + path;
    }
    push_children(node);
  }
  std::vector<Candidate> out;
  for (const auto& key : order) {
    Candidate& c = groups[key];
    if (c.blocks.size() < kMinBlocks || c.blocks.size() > kMaxItemsPerPage) continue;
    if (c.level > 1) {
      // All under one nearer ancestor: the same list as the group a level down.
      const GumboNode* first = Ancestor(c.blocks.front(), c.level - 1);
      if (std::all_of(c.blocks.begin(), c.blocks.end(),
                      [&](const GumboNode* b) { return Ancestor(b, c.level - 1) == first; })) {
        continue;
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Blocks that each hold one main article link, titles of some length, in
// the main column: score 0 when the group is not a news list.
void ScoreStructure(Candidate& c, std::string_view base) {
  std::size_t linked = 0, title_weight = 0;
  std::vector<int> per_block;
  std::unordered_set<std::string> urls;
  c.mains.reserve(c.blocks.size());
  for (const GumboNode* block : c.blocks) {
    MainLink main = FindMainLink(block, base);
    if (main.anchor && main.score > 0 && !main.text.empty()) {
      ++linked;
      urls.insert(parse::CanonicalUrl(main.url));
      title_weight += std::min(CodePoints(main.text), kMaxTitleWeight);
      per_block.push_back(main.article_urls);
    } else {
      main = MainLink{};
    }
    c.mains.push_back(std::move(main));
  }
  if (linked < kMinBlocks || linked * 10 < c.blocks.size() * 6 || urls.size() < kMinBlocks) {
    c.score = 0;
    return;
  }
  std::nth_element(per_block.begin(), per_block.begin() + per_block.size() / 2, per_block.end());
  const int median_urls = per_block[per_block.size() / 2];
  const double avg_title = static_cast<double>(title_weight) / static_cast<double>(linked);
  c.score = static_cast<double>(urls.size()) * (avg_title / kMaxTitleWeight);
  if (avg_title < 15) c.score *= 0.3;                        // menus: "Home", "Contact"
  if (median_urls > 2) c.score /= median_urls - 1;           // a block of many articles is a section
  if (InSideZone(c.blocks.front()->parent)) c.score *= 0.4;  // "most read" boxes
}

bool SameSet(const std::vector<const GumboNode*>& a, const std::vector<const GumboNode*>& b) {
  if (a.size() != b.size()) return false;
  std::unordered_set<const GumboNode*> set(a.begin(), a.end());
  return std::all_of(b.begin(), b.end(), [&](const GumboNode* n) { return set.count(n) > 0; });
}

// A selector that matches exactly the candidate's blocks, or empty.
std::string ItemSelector(const Dom& dom, const Candidate& c) {
  std::vector<std::string> common = StableClasses(c.blocks.front());
  for (const GumboNode* b : c.blocks) {
    const std::vector<std::string> mine = StableClasses(b);
    std::vector<std::string> both;
    std::set_intersection(common.begin(), common.end(), mine.begin(), mine.end(), std::back_inserter(both));
    common = std::move(both);
  }
  const std::string leaf = Compound(c.blocks.front(), common);
  const GumboNode* parent = Ancestor(c.blocks.front(), 1);
  std::vector<std::string> tries = {leaf};
  if (parent) tries.push_back(Describe(parent, c.level == 1) + " > " + leaf);
  for (int up = 2; up <= 5; ++up) {
    const GumboNode* a = Ancestor(c.blocks.front(), up);
    if (!a || a->v.element.tag == GUMBO_TAG_BODY || a->v.element.tag == GUMBO_TAG_HTML) break;
    const std::string d = Describe(a, up >= c.level);
    tries.push_back(d + " " + leaf);
    if (parent) tries.push_back(d + " " + Describe(parent, c.level == 1) + " > " + leaf);
  }
  // Blocks of the same kind that are ads or hidden ("article.post.sponsored")
  // are left out by a class of theirs that no block has.
  std::unordered_set<std::string> block_classes;
  for (const GumboNode* b : c.blocks) {
    for (auto& cls : StableClasses(b)) block_classes.insert(std::move(cls));
  }
  const std::unordered_set<const GumboNode*> wanted(c.blocks.begin(), c.blocks.end());
  for (const auto& text : tries) {
    auto selector = Selector::Compile(text);
    if (!selector.ok()) continue;
    const auto matched = SelectNodes(dom.document(), selector.value(), kMaxItemsPerPage);
    if (SameSet(matched, c.blocks)) return text;
    // Siblings that differ by a class of their own ("story lead") belong to
    // the list.
    if (c.level == 1 && std::all_of(matched.begin(), matched.end(), [&](const GumboNode* n) {
          return wanted.count(n) || (n->parent == c.blocks.front()->parent && !IsBoilerplate(n));
        }) && std::all_of(c.blocks.begin(), c.blocks.end(), [&](const GumboNode* b) {
          return std::find(matched.begin(), matched.end(), b) != matched.end();
        })) {
      return text;
    }
    std::string exclude;
    std::size_t extras = 0;
    bool only_boilerplate = true;
    for (const GumboNode* n : matched) {
      if (wanted.count(n)) continue;
      ++extras;
      if (!IsBoilerplate(n)) {
        only_boilerplate = false;
        break;
      }
      for (const auto& cls : StableClasses(n)) {
        if (!block_classes.count(cls) && exclude.find(":not(." + cls + ")") == std::string::npos) {
          exclude += ":not(." + cls + ")";
          break;
        }
      }
    }
    if (only_boilerplate && extras > 0 && matched.size() == c.blocks.size() + extras && !exclude.empty()) {
      auto narrowed = Selector::Compile(text + exclude);
      if (narrowed.ok() && SameSet(SelectNodes(dom.document(), narrowed.value(), c.blocks.size() + 1), c.blocks)) {
        return text + exclude;
      }
    }
  }
  return {};
}

// A date inside some other item (the last post's time above a sidebar list)
// dates that item, not a group or the page: no article link in `n`, in the
// elements `levels` up from it, or around it.
bool NearArticleLink(const GumboNode* n, std::string_view base, int levels) {
  static const Selector kLinks = Selector::Compile("a[href]").value();
  auto article = [&](const GumboNode* a) {
    const char* href = Attr(a, "href");
    return href && ArticleScore(EncodeUrl(parse::ResolveUrl(base, href)), base) > 0;
  };
  const GumboNode* scope = n;
  for (int up = 0; up <= levels && scope && IsElement(scope); ++up, scope = scope->parent) {
    for (const GumboNode* a : SelectNodes(scope, kLinks, 16)) {
      if (article(a)) return true;
    }
  }
  for (const GumboNode* up = n; up && IsElement(up); up = up->parent) {
    if (up->v.element.tag == GUMBO_TAG_A && article(up)) return true;
  }
  return false;
}

// The blocks of every list on the page: a date inside one of them is that
// item's, never a group's or the page's, unless the block also holds `own`
// (a day's wrapper holds its header and its posts).
using Listed = std::unordered_set<const GumboNode*>;

bool InsideListed(const GumboNode* n, const Listed& listed, const GumboNode* own) {
  for (; n && IsElement(n); n = n->parent) {
    if (listed.count(n) && !Contains(n, own)) return true;
  }
  return false;
}

bool ShortText(const std::string& text) { return text.size() >= kMinDateText && text.size() <= kMaxDateText; }

bool HasDigit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The most frequent of `votes` when it covers at least half of `blocks`.
std::string Majority(const std::map<std::string, int>& votes, std::size_t blocks) {
  std::string best;
  int count = 0;
  for (const auto& [key, n] : votes) {
    if (n > count) {
      best = key;
      count = n;
    }
  }
  return count * 2 >= static_cast<int>(blocks) ? best : std::string();
}

// Rule b: a short text inside the block that parses as a date, outside its
// main link; the selector of the element that holds it in most blocks.
std::string DateInBlock(const Candidate& c, const parse::DateHints& hints) {
  std::map<std::string, int> votes;
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    const GumboNode* main = c.mains[i].anchor;
    std::string found;
    ForEachElement(c.blocks[i], [&](const GumboNode* n) {
      // The main link's own text is the title, unless the block is the link.
      if (main && main != c.blocks[i] && (Contains(n, main) || Contains(main, n))) return true;
      if (n->v.element.tag == GUMBO_TAG_A || IsBoilerplate(n)) return true;
      const std::string text = TextOf(n);
      if (!ShortText(text) || !HasDigit(text)) return true;
      if (!FindDate(text, hints)) return true;
      found = Compound(n, StableClasses(n));
      return false;
    });
    if (!found.empty()) ++votes[found];
  }
  return Majority(votes, c.blocks.size());
}

// Rule c: the article URLs carry the date.
struct UrlDate {
  std::string pattern, format;
};
UrlDate DateInUrl(const Candidate& c) {
  static const UrlDate kShapes[] = {
      {R"(/((?:19|20)\d{2}/[01]\d/[0-3]\d)/)", "%Y/%m/%d"},
      {R"(((?:19|20)\d{2}-[01]\d-[0-3]\d))", ""},
      {R"(/((?:19|20)\d{2}[01]\d[0-3]\d)(?:[-_/.]|$))", "%Y%m%d"},
  };
  static const std::vector<std::regex> kCompiled = [] {
    std::vector<std::regex> out;
    for (const auto& shape : kShapes) out.emplace_back(shape.pattern);
    return out;
  }();
  for (std::size_t k = 0; k < std::size(kShapes); ++k) {
    const UrlDate& shape = kShapes[k];
    const std::regex& re = kCompiled[k];
    std::size_t hits = 0;
    for (const auto& m : c.mains) {
      if (m.anchor && std::regex_search(m.url, re)) ++hits;
    }
    if (hits * 2 >= c.blocks.size()) return shape;
  }
  return {};
}

// Rule d: a date header above each block (Blogger's h2.date-header, a day
// heading over a group of items): the nearest earlier element outside the
// list whose short text is a date.
std::string DateGroupHeader(const Candidate& c, const parse::DateHints& hints, std::string_view base,
                            const Listed& listed) {
  const std::unordered_set<const GumboNode*> blocks(c.blocks.begin(), c.blocks.end());
  std::map<std::string, int> votes;
  const GumboNode* own = nullptr;
  auto dated = [&](const GumboNode* n) {
    if (blocks.count(n) || IsBoilerplate(n)) return false;
    const std::string text = TextOf(n);
    return ShortText(text) && FindDate(text, hints).has_value() && !NearArticleLink(n, base, 0) &&
           !InsideListed(n, listed, own);
  };
  for (const GumboNode* block : c.blocks) {
    own = block;
    const GumboNode* at = block;
    std::string found;
    for (int steps = 0; at && IsElement(at) && steps < kMaxHeaderSteps && found.empty(); at = at->parent) {
      const GumboVector* kids = at->parent ? ChildrenOf(at->parent) : nullptr;
      if (!kids) break;
      for (unsigned i = std::min<std::size_t>(at->index_within_parent, kids->length); i-- > 0 && steps < kMaxHeaderSteps;) {
        const auto* prev = static_cast<const GumboNode*>(kids->data[i]);
        if (!IsElement(prev) || blocks.count(prev)) continue;
        ++steps;
        if (dated(prev)) {
          found = Compound(prev, StableClasses(prev));
          break;
        }
        // A header wrapped with its group: the last heading inside.
        const GumboNode* last_heading = nullptr;
        ForEachElement(prev, [&](const GumboNode* n) {
          if (IsHeading(n) || n->v.element.tag == GUMBO_TAG_TIME) last_heading = n;
          return true;
        });
        if (last_heading && dated(last_heading)) {
          found = Compound(last_heading, StableClasses(last_heading));
          break;
        }
        break;  // the nearest earlier sibling that is no block decides
      }
    }
    if (!found.empty()) ++votes[found];
  }
  return Majority(votes, c.blocks.size());
}

// Rule e: the page's own date, above the list (a masthead's "Monday, 3 March
// 2025"): a selector that finds that element first.
std::string MastheadDate(const Dom& dom, const Candidate& c, const parse::DateHints& hints, std::string_view base,
                         const Listed& listed) {
  const GumboNode* first_block = c.blocks.front();
  std::string found;
  int checks = 0;
  ForEachElement(dom.document(), [&](const GumboNode* n) {
    if (n == first_block || checks > kMaxMastheadChecks) return false;
    if (Contains(first_block, n) || n->v.element.tag == GUMBO_TAG_HEAD || IsBoilerplate(n)) return true;
    const GumboVector& kids = n->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) {
      const auto* kid = static_cast<const GumboNode*>(kids.data[i]);
      if (IsElement(kid) && !IsHeading(kid) && kid->v.element.tag != GUMBO_TAG_SPAN &&
          kid->v.element.tag != GUMBO_TAG_TIME && kid->v.element.tag != GUMBO_TAG_STRONG &&
          kid->v.element.tag != GUMBO_TAG_B && kid->v.element.tag != GUMBO_TAG_EM) {
        return true;  // a container: its parts are tried one by one
      }
    }
    const std::string text = TextOf(n);
    if (!ShortText(text) || !HasDigit(text)) return true;
    ++checks;
    if (!FindDate(text, hints) || NearArticleLink(n, base, 1) || InsideListed(n, listed, first_block)) return true;
    for (const std::string& sel : {Describe(n, true), Describe(n->parent, true) + " > " + Describe(n, true)}) {
      auto selector = Selector::Compile(sel);
      if (!selector.ok()) continue;
      const auto first = SelectNodes(dom.document(), selector.value(), 1);
      if (!first.empty() && first.front() == n) {
        found = sel;
        break;
      }
    }
    return found.empty();
  });
  return found;
}

// The rules for a list: the item selector, the dates by rules a-e, an image
// when most blocks show one. Title and link are the defaults (the main
// link's text and URL). Empty `item` when no selector isolates the blocks.
RuleText WriteRules(const Dom& dom, const Candidate& c, const Page& page, std::string_view base,
                    const Listed& listed) {
  RuleText rules;
  rules.item = ItemSelector(dom, c);
  if (rules.item.empty()) return rules;
  parse::DateHints hints;
  hints.now = page.now;
  std::size_t timed = 0, images = 0;
  static const Selector kTime = Selector::Compile("time[datetime] @datetime").value();
  static const Selector kImage = Selector::Compile("img").value();
  for (const GumboNode* block : c.blocks) {
    const auto times = SelectNodes(block, kTime, 1);
    if (!times.empty() && FindDate(ValueOf(times.front(), kTime), hints)) ++timed;
    const auto imgs = SelectNodes(block, kImage, 1);
    if (!imgs.empty() && !ImageSource(imgs.front()).empty()) ++images;
  }
  if (images * 2 >= c.blocks.size()) rules.image = "img";
  if (timed * 2 >= c.blocks.size()) {
    rules.date = "time[datetime] @datetime";
  } else if (std::string in_block = DateInBlock(c, hints); !in_block.empty()) {
    rules.date = in_block;
  } else if (UrlDate url = DateInUrl(c); !url.pattern.empty()) {
    rules.date = "@link";
    rules.date_pattern = url.pattern;
    rules.date_format = url.format;
  } else if (std::string header = DateGroupHeader(c, hints, base, listed); !header.empty()) {
    rules.date_group = header;
  } else if (std::string masthead = MastheadDate(dom, c, hints, base, listed); !masthead.empty()) {
    rules.date_page = masthead;
  }
  return rules;
}

// Drops lists nested one to one in another list (the h3 of every li of a
// ul): the outer blocks hold the dates and teasers too.
void DropNested(std::vector<Candidate>& candidates) {
  std::vector<bool> drop(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::unordered_set<const GumboNode*> outer(candidates[i].blocks.begin(), candidates[i].blocks.end());
    for (std::size_t j = 0; j < candidates.size(); ++j) {
      if (i == j || drop[j] || drop[i] || candidates[j].blocks.size() != candidates[i].blocks.size()) continue;
      const bool nested = std::all_of(candidates[j].blocks.begin(), candidates[j].blocks.end(), [&](const GumboNode* b) {
        for (const GumboNode* up = b->parent; up && IsElement(up); up = up->parent) {
          if (outer.count(up)) return true;
        }
        return false;
      });
      if (nested) drop[j] = true;
    }
  }
  std::size_t k = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (drop[i]) continue;
    if (k != i) candidates[k] = std::move(candidates[i]);
    ++k;
  }
  candidates.resize(k);
}

std::string Quote(std::string_view s) {
  const bool literal = s.find('\'') == std::string_view::npos &&
                       std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
  if (literal) return "'" + std::string(s) + "'";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::vector<Suggestion> SuggestFrom(const Dom& dom, const Page& page, std::size_t max) {
  const std::string base = dom.BaseUrl(page.url);
  std::vector<Candidate> candidates = Groups(dom);
  for (auto& c : candidates) ScoreStructure(c, base);
  candidates.erase(std::remove_if(candidates.begin(), candidates.end(), [](const Candidate& c) { return c.score <= 0; }),
                   candidates.end());
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  Listed listed;
  for (const auto& c : candidates) {
    for (std::size_t i = 0; i < c.blocks.size(); ++i) {
      if (c.mains[i].anchor) listed.insert(c.blocks[i]);
    }
  }
  if (candidates.size() > kMaxCandidates) candidates.resize(kMaxCandidates);
  DropNested(candidates);

  std::vector<Suggestion> out;
  for (const Candidate& c : candidates) {
    RuleText text = WriteRules(dom, c, page, base, listed);
    if (text.item.empty()) continue;
    auto rules = Rules::Compile(text);
    if (!rules.ok()) continue;
    auto extraction = ExtractFrom(dom, rules.value(), page);
    if (!extraction.ok() || extraction->items.size() < kMinBlocks) continue;
    Suggestion s;
    s.rules = std::move(text);
    s.blocks = static_cast<int>(c.blocks.size());
    const std::size_t dated = std::count_if(extraction->items.begin(), extraction->items.end(),
                                            [](const Item& item) { return !item.date_is_first_seen; });
    // Dated lists are likelier the news; a list whose items repeat less so.
    s.score = c.score * (1.0 + 0.5 * static_cast<double>(dated) / static_cast<double>(extraction->items.size())) *
              static_cast<double>(extraction->items.size()) / static_cast<double>(c.blocks.size());
    const GumboNode* parent = c.blocks.front()->parent;
    s.where = std::to_string(c.blocks.size()) + " x " + Compound(c.blocks.front(), StableClasses(c.blocks.front())) +
              (parent && IsElement(parent) ? " in " + Describe(parent, c.level == 1) : "");
    s.extraction = std::move(extraction.value());
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [](const Suggestion& a, const Suggestion& b) { return a.score > b.score; });
  if (out.size() > max) out.resize(max);
  return out;
}

Result<std::vector<Suggestion>> Suggest(std::string_view html, const Page& page, std::size_t max) {
  if (html.size() > kMaxPageBytes) return Error{"page larger than " + std::to_string(kMaxPageBytes) + " bytes"};
  if (html.find_first_not_of(" \t\r\n") == std::string_view::npos) return Error{"empty page"};
  Dom dom(html, page.content_type);
  if (!dom.error().empty()) return Error{dom.error()};
  return SuggestFrom(dom, page, max);
}

std::string RulesToml(const RuleText& r) {
  std::string out = "[source.scrape]\n";
  auto key = [&out](const char* name, const std::string& value) {
    if (!value.empty()) out += std::string(name) + " = " + Quote(value) + "\n";
  };
  if (r.auto_suggest) out += "auto = true\n";
  key("item", r.item);
  key("xpath", r.xpath);
  key("title", r.title);
  key("title_pattern", r.title_pattern);
  key("link", r.link);
  key("link_pattern", r.link_pattern);
  key("date", r.date);
  key("date_pattern", r.date_pattern);
  key("date_format", r.date_format);
  key("date_lang", r.date_lang);
  key("date_group", r.date_group);
  key("date_page", r.date_page);
  key("summary", r.summary);
  key("author", r.author);
  key("image", r.image);
  key("content", r.content);
  if (r.follow) out += "follow = true\n";
  key("paginate", r.paginate);
  return out;
}

}  // namespace redwire::scrape
