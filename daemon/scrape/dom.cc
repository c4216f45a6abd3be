#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "daemon/parse/parse.h"
#include "daemon/scrape/dom.h"

namespace redwire::scrape {
namespace {

// Caps on what one element yields: a title or date never needs more, and a
// hostile page cannot make one item huge.
constexpr std::size_t kMaxTextBytes = 256 * 1024;
constexpr std::size_t kMaxHtmlBytes = 1024 * 1024;

bool IsInline(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_A: case GUMBO_TAG_ABBR: case GUMBO_TAG_B: case GUMBO_TAG_BDI: case GUMBO_TAG_BDO:
    case GUMBO_TAG_CITE: case GUMBO_TAG_CODE: case GUMBO_TAG_DATA: case GUMBO_TAG_DFN: case GUMBO_TAG_EM:
    case GUMBO_TAG_FONT: case GUMBO_TAG_I: case GUMBO_TAG_KBD: case GUMBO_TAG_MARK: case GUMBO_TAG_Q:
    case GUMBO_TAG_S: case GUMBO_TAG_SAMP: case GUMBO_TAG_SMALL: case GUMBO_TAG_SPAN: case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB: case GUMBO_TAG_SUP: case GUMBO_TAG_TIME: case GUMBO_TAG_U: case GUMBO_TAG_VAR:
    case GUMBO_TAG_BIG: case GUMBO_TAG_TT: case GUMBO_TAG_STRIKE: case GUMBO_TAG_NOBR:
      return true;
    default:
      return false;
  }
}

// Elements whose content is never visible text.
bool IsHidden(GumboTag tag) {
  return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
         tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_HEAD;
}

bool IsVoid(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BR: case GUMBO_TAG_COL: case GUMBO_TAG_EMBED:
    case GUMBO_TAG_HR: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT: case GUMBO_TAG_LINK: case GUMBO_TAG_META:
    case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE: case GUMBO_TAG_TRACK: case GUMBO_TAG_WBR:
      return true;
    default:
      return false;
  }
}

void AppendEscaped(std::string& out, std::string_view text, bool attribute) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (attribute) out += "&quot;";
        else out += c;
        break;
      default: out += c;
    }
  }
}

// Collapses runs of whitespace (and no-break spaces) to one space, trimmed.
std::string Collapse(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool space = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    const bool nbsp = static_cast<unsigned char>(c) == 0xC2 && i + 1 < raw.size() &&
                      static_cast<unsigned char>(raw[i + 1]) == 0xA0;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || nbsp) {
      if (nbsp) ++i;
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// gumbo's tree building is quadratic in nesting depth (each start tag scans
// the stack of open elements): 20 000 nested divs take it 17 s. Real pages
// nest a few dozen deep, so pages past this are refused before gumbo sees
// them.
constexpr int kMaxDepth = 2048;

// Elements whose end tags pages leave out and parsers imply: they never
// deepen the tree much, so counting them would only flag tag soup.
bool ClosesItself(std::string_view name) {
  static constexpr std::string_view kNames[] = {"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
                                                "tbody", "thead", "tfoot", "colgroup", "caption", "rb", "rt",
                                                "rp", "html", "head", "body", "area", "base", "br", "col",
                                                "embed", "hr", "img", "input", "link", "meta", "param",
                                                "source", "track", "wbr", "frame", "keygen", "basefont"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

bool RawText(std::string_view name) {
  return name == "script" || name == "style" || name == "textarea" || name == "title" || name == "xmp" ||
         name == "plaintext" || name == "noembed" || name == "iframe" || name == "noframes";
}

std::size_t FindNoCase(std::string_view s, std::string_view what, std::size_t from) {
  for (std::size_t i = from; i + what.size() <= s.size(); ++i) {
    std::size_t k = 0;
    while (k < what.size() && std::tolower(static_cast<unsigned char>(s[i + k])) == what[k]) ++k;
    if (k == what.size()) return i;
  }
  return std::string_view::npos;
}

// An estimate of the deepest element nesting, by a linear scan of the tags;
// stops counting past `cap`.
int NestingDepth(std::string_view s, int cap) {
  int depth = 0;
  std::size_t i = 0;
  while ((i = s.find('<', i)) != std::string_view::npos) {
    if (s.compare(i, 4, "<!--") == 0) {
      i = s.find("-->", i + 4);
      if (i == std::string_view::npos) break;
      continue;
    }
    std::size_t j = i + 1;
    const bool closing = j < s.size() && s[j] == '/';
    if (closing) ++j;
    std::string name;
    while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j])) && name.size() < 16) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(s[j])));
      ++j;
    }
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) {
      i = j;
      continue;
    }
    const std::size_t end = s.find('>', j);
    if (end == std::string_view::npos) break;
    i = end + 1;
    if (ClosesItself(name)) continue;
    if (closing) {
      depth = std::max(0, depth - 1);
      continue;
    }
    if (RawText(name)) {
      const std::size_t close = FindNoCase(s, "</" + name, i);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (s[end - 1] != '/' && ++depth > cap) return depth;
  }
  return depth;
}

}  // namespace

void* GumboArena::Allocate(void* userdata, std::size_t size) {
  constexpr std::size_t kAlign = alignof(std::max_align_t);
  constexpr std::size_t kBlock = 256 * 1024;
  auto& arena = *static_cast<GumboArena*>(userdata);
  size = (size + kAlign - 1) & ~(kAlign - 1);
  if (size > arena.left_) {
    const std::size_t block = std::max(size, kBlock);
    arena.blocks_.push_back(std::make_unique_for_overwrite<char[]>(block));
    arena.next_ = arena.blocks_.back().get();
    arena.left_ = block;
  }
  void* p = arena.next_;
  arena.next_ += size;
  arena.left_ -= size;
  return p;
}

Dom::Dom(std::string_view html, std::string_view content_type)
    : bytes_(parse::ToUtf8(html.substr(0, kMaxPageBytes), content_type, &encoding_)) {
  if (NestingDepth(bytes_, kMaxDepth) > kMaxDepth) {
    error_ = "page nests elements deeper than " + std::to_string(kMaxDepth);
    bytes_.clear();
  }
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;  // parse errors are not reported; recording them only costs time
  options.allocator = &GumboArena::Allocate;
  options.deallocator = &GumboArena::Deallocate;
  options.userdata = &arena_;
  output_ = gumbo_parse_with_options(&options, bytes_.data(), bytes_.size());
}

// The tree lives in arena_, which frees it whole.
Dom::~Dom() = default;

std::string Dom::BaseUrl(std::string_view page_url) const {
  std::string base(page_url);
  ForEachElement(document(), [&](const GumboNode* node) {
    if (node->v.element.tag != GUMBO_TAG_BASE) return true;
    const char* href = Attr(node, "href");
    if (!href) return true;
    const std::string resolved = parse::ResolveUrl(page_url, Collapse(href));
    if (resolved.rfind("http://", 0) == 0 || resolved.rfind("https://", 0) == 0) base = resolved;
    return false;
  });
  return base;
}

std::string Dom::Title() const {
  std::string title;
  ForEachElement(document(), [&](const GumboNode* node) {
    if (node->v.element.tag != GUMBO_TAG_TITLE) return true;
    const GumboVector& kids = node->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) {
      const auto* child = static_cast<const GumboNode*>(kids.data[i]);
      if (child->type == GUMBO_NODE_TEXT || child->type == GUMBO_NODE_WHITESPACE) title += child->v.text.text;
    }
    return false;
  });
  return Collapse(title).substr(0, 1024);
}

bool IsElement(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

std::string TagName(const GumboNode* node) {
  const GumboElement& el = node->v.element;
  if (el.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(el.tag);
  GumboStringPiece piece = el.original_tag;
  gumbo_tag_from_original_text(&piece);
  std::string name(piece.data ? piece.data : "", piece.data ? piece.length : 0);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

const char* Attr(const GumboNode* node, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&node->v.element.attributes, name);
  return a ? a->value : nullptr;
}

std::string TextOf(const GumboNode* node) {
  std::string raw;
  // Entries are nodes to visit, or nullptr for "leave a block: add a space".
  std::vector<const GumboNode*> stack{node};
  while (!stack.empty() && raw.size() < kMaxTextBytes) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (!n) {
      raw += ' ';
      continue;
    }
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      raw += n->v.text.text;
      continue;
    }
    if (!IsElement(n) || (n != node && IsHidden(n->v.element.tag))) continue;
    const bool block = !IsInline(n->v.element.tag);
    if (block) {
      raw += ' ';
      stack.push_back(nullptr);
    }
    const GumboVector& kids = n->v.element.children;
    for (unsigned i = kids.length; i-- > 0;) stack.push_back(static_cast<const GumboNode*>(kids.data[i]));
  }
  std::string text = Collapse(raw);
  if (text.size() > kMaxTextBytes) text.resize(kMaxTextBytes);
  return text;
}

std::string InnerHtml(const GumboNode* node) {
  std::string out;
  struct Step {
    const GumboNode* node;
    bool close;
  };
  std::vector<Step> stack;
  auto push_children = [&stack](const GumboNode* n) {
    const GumboVector* kids = ChildrenOf(n);
    if (!kids) return;
    for (unsigned i = kids->length; i-- > 0;) stack.push_back({static_cast<const GumboNode*>(kids->data[i]), false});
  };
  push_children(node);
  while (!stack.empty() && out.size() < kMaxHtmlBytes) {
    const Step step = stack.back();
    stack.pop_back();
    const GumboNode* n = step.node;
    if (step.close) {
      out += "</" + TagName(n) + ">";
      continue;
    }
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      AppendEscaped(out, n->v.text.text, false);
      continue;
    }
    if (!IsElement(n) || IsHidden(n->v.element.tag)) continue;
    const std::string name = TagName(n);
    out += '<' + name;
    const GumboVector& attrs = n->v.element.attributes;
    for (unsigned i = 0; i < attrs.length; ++i) {
      const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
      // A name that could break out of the tag is not an attribute worth keeping.
      if (!*a->name || std::strpbrk(a->name, " \"'<>/=")) continue;
      out += ' ';
      out += a->name;
      out += "=\"";
      AppendEscaped(out, a->value, true);
      out += '"';
    }
    out += '>';
    if (IsVoid(n->v.element.tag)) continue;
    stack.push_back({n, true});
    push_children(n);
  }
  // A cut in the middle of a tag would leave a broken fragment; the
  // sanitiser re-parses it, so a truncated tail is only lost text.
  return out;
}

}  // namespace redwire::scrape
