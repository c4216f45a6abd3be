// Private to the scrape module: the gumbo tree and the selector engine the
// module's .cc files share. Not part of the module's interface (scrape.h).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gumbo.h>

#include "daemon/parse/parse.h"
#include "daemon/scrape/scrape.h"
#include "daemon/scrape/suggest.h"

namespace redwire::scrape {

// Bump allocator for one gumbo tree: gumbo makes a malloc call per node,
// attribute and string buffer, and frees them one by one again; a page's tree
// lives exactly as long as its Dom, so it is freed at once with the arena.
class GumboArena {
 public:
  static void* Allocate(void* arena, std::size_t size);
  static void Deallocate(void*, void*) {}

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

// One parsed page. Owns its text in UTF-8 (decoded from the charset that
// `content_type`, the page itself or detection names) because gumbo's tree
// points into it.
class Dom {
 public:
  explicit Dom(std::string_view html, std::string_view content_type = {});
  ~Dom();
  Dom(const Dom&) = delete;
  Dom& operator=(const Dom&) = delete;

  // Why the page was not parsed (an empty tree stands in), or empty.
  const std::string& error() const { return error_; }
  // The charset the page was read in ("utf-8", "windows-1253", ...).
  const std::string& encoding() const { return encoding_; }
  const GumboNode* document() const { return output_->document; }
  const GumboNode* root() const { return output_->root; }
  // The page URL resolved against the first <base href>, if any.
  std::string BaseUrl(std::string_view page_url) const;
  // Text of the first <title>.
  std::string Title() const;

 private:
  std::string encoding_;  // before bytes_: filled while bytes_ is decoded
  std::string bytes_;
  std::string error_;
  GumboArena arena_;
  GumboOutput* output_;
};

bool IsElement(const GumboNode* node);
// Lower-case tag name, also for tags gumbo does not know.
std::string TagName(const GumboNode* node);
// The attribute's value, or nullptr when absent.
const char* Attr(const GumboNode* node, const char* name);

// Element descendants of `scope` in document order, pre-order, without
// recursion. `visit` returns false to stop the walk.
template <typename Visit>
void ForEachElement(const GumboNode* scope, Visit visit);

// Elements under `scope` (not `scope` itself) matching `selector`, in
// document order, at most `limit`. Combinators look no higher than `scope`.
// A selector with no element part (a bare "@attr") yields `scope`.
std::vector<const GumboNode*> SelectNodes(const GumboNode* scope, const Selector& selector,
                                          std::size_t limit);
bool Matches(const GumboNode* node, const Selector& selector, const GumboNode* scope);

// What a selector takes from a matched element: its attribute (trailing
// @attr) or its visible text, whitespace collapsed.
std::string ValueOf(const GumboNode* node, const Selector& selector);
std::string TextOf(const GumboNode* node);
// The element's children serialised back to HTML (escaped; script, style
// and comments dropped), for the sanitiser.
std::string InnerHtml(const GumboNode* node);

// Extract and Suggest on a page parsed once.
Result<Extraction> ExtractFrom(const Dom& dom, const Rules& rules, const Page& page);
std::vector<Suggestion> SuggestFrom(const Dom& dom, const Page& page, std::size_t max);

// ---- what an item's markup means (heuristics.cc): the rules' defaults and
// Suggest share them ----

// The date inside a line such as "BY: Mark Waller | June 3, 2024": the whole
// text first, then ever shorter runs of words, longest first, so "23-24
// September 2017" wins over "2017". When none is a date, `refusal` (when
// given) says why the first date-like run was refused (a future date...).
std::optional<UnixTime> FindDate(std::string_view text, const parse::DateHints& hints,
                                 std::string* refusal = nullptr);
// How much an absolute URL looks like an article's own page: 0 for the site's
// navigation (the root, sections, tag/category/author/search listings, page
// N, feeds, files, other hosts), more for slugs, ids and dates in the path.
int ArticleScore(std::string_view url, std::string_view page_url);
// A tag or category link: rel="tag"/"category", or an href into a taxonomy.
bool IsTaxonomyLink(const GumboNode* anchor, std::string_view url);
// Navigation, ads and hidden parts: <nav>, [hidden], aria-hidden, display:none,
// and ad, menu or cookie classes and ids.
bool IsBoilerplate(const GumboNode* node);
// The article an item block links to: among its a[href] that are no tag or
// category link, those in a heading first, then the most article-shaped URL,
// then the longest text. `text` is the longest anchor text for that URL.
struct MainLink {
  const GumboNode* anchor = nullptr;  // nullptr: no usable link
  std::string url;                    // absolute, percent-encoded
  std::string text;
  int score = 0;                      // ArticleScore of url
  bool in_heading = false;
  int article_urls = 0;               // distinct article-shaped URLs in the block
};
MainLink FindMainLink(const GumboNode* block, std::string_view base);
bool IsHeading(const GumboNode* node);
bool Contains(const GumboNode* ancestor, const GumboNode* node);
// An image element's real URL (unresolved): lazy-loading attributes
// (data-src, data-lazy-src, data-original, the widest srcset candidate)
// before a src that is only a placeholder (data: URIs, blank/spacer/lazy
// files). Empty when it has none.
std::string ImageSource(const GumboNode* img);
// The widest (or densest) candidate of a srcset value.
std::string BestSrcset(std::string_view srcset);
// Non-ASCII bytes and spaces in a URL as %XX (IRIs from CMS slugs).
std::string EncodeUrl(std::string_view url);

// ---- template definition ----

inline const GumboVector* ChildrenOf(const GumboNode* node) {
  if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
  if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) return &node->v.element.children;
  return nullptr;
}

template <typename Visit>
void ForEachElement(const GumboNode* scope, Visit visit) {
  std::vector<const GumboNode*> stack;
  auto push_children = [&stack](const GumboNode* node) {
    const GumboVector* kids = ChildrenOf(node);
    if (!kids) return;
    for (unsigned i = kids->length; i-- > 0;) {
      const auto* child = static_cast<const GumboNode*>(kids->data[i]);
      if (IsElement(child)) stack.push_back(child);
    }
  };
  push_children(scope);
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!visit(node)) return;
    push_children(node);
  }
}

}  // namespace redwire::scrape
