// HTML: the allowlist sanitiser and the plain-text rendering. The policy
// lives here, with the general path on gumbo's HTML5 tree (walked
// iteratively: nesting is unbounded); html_fast.cc reads the common case
// without building a tree and leaves everything else to this path.
#include <gumbo.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>

#include "daemon/parse/internal.h"

namespace redwire::parse {
namespace {

using internal::AllDigits;
using internal::AppendEscaped;
using internal::CleanText;
using internal::IsAlpha;
using internal::IsAsciiSpace;
using internal::IsDigit;
using internal::IsVoidElement;
using internal::StartsWithNoCase;
using internal::ToLowerAscii;
using internal::Trim;
using internal::UrlScheme;
using internal::Utf8SequenceLength;

// gumbo checks element scopes by scanning its stack of open elements, so
// nesting depth d costs O(d) per tag: 100 000 nested <div> take half a minute.
constexpr int kMaxHtmlDepth = 256;
constexpr int kGumboMaxErrors = 100;


// Removes start tags that would nest deeper than kMaxHtmlDepth before gumbo
// sees the markup. This is only for gumbo's speed: the result still goes
// through the parser and the allowlist, so a crude lexer is enough here.
std::string CapNesting(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  int depth = 0;
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      const std::size_t next = html.find('<', i);
      const std::size_t end = next == std::string_view::npos ? html.size() : next;
      out.append(html.substr(i, end - i));
      i = end;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      const std::size_t stop = end == std::string_view::npos ? html.size() : end + 3;
      out.append(html.substr(i, stop - i));
      i = stop;
      continue;
    }
    const bool closing = i + 1 < html.size() && html[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < html.size() && (IsAlpha(html[j]) || IsDigit(html[j]))) ++j;
    if (j == name_start) {
      out += '<';
      ++i;
      continue;
    }
    const std::string name = ToLowerAscii(html.substr(name_start, j - name_start));
    const std::size_t gt = html.find('>', j);
    const std::size_t end = gt == std::string_view::npos ? html.size() : gt + 1;
    const bool self_closing = gt != std::string_view::npos && gt > 0 && html[gt - 1] == '/';
    bool keep = true;
    if (closing) {
      if (!IsVoidElement(name) && depth > 0) --depth;
    } else if (!IsVoidElement(name) && !self_closing) {
      keep = depth < kMaxHtmlDepth;
      if (keep) ++depth;
    }
    if (keep) out.append(html.substr(i, end - i));
    i = end;
  }
  return out;
}

// Owns a gumbo fragment parse of `html` (which it keeps alive, since gumbo's
// tree points into it).
class HtmlFragment {
 public:
  explicit HtmlFragment(std::string_view html) : buffer_(CapNesting(html)) {
    options_ = kGumboDefaultOptions;
    options_.fragment_context = GUMBO_TAG_DIV;
    options_.max_errors = kGumboMaxErrors;
    output_ = gumbo_parse_with_options(&options_, buffer_.data(), buffer_.size());
  }
  ~HtmlFragment() {
    if (output_ != nullptr) gumbo_destroy_output(&options_, output_);
  }
  HtmlFragment(const HtmlFragment&) = delete;
  HtmlFragment& operator=(const HtmlFragment&) = delete;

  // The fragment's top-level nodes, or nullptr when gumbo failed.
  const GumboVector* Children() const {
    return output_ == nullptr ? nullptr : &output_->root->v.element.children;
  }

 private:
  std::string buffer_;
  GumboOptions options_;
  GumboOutput* output_ = nullptr;
};

bool IsElement(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

// Elements removed together with everything inside them: the dropped HTML
// elements and anything foreign (svg, math and their children).
bool IsDroppedNode(const GumboNode* node) {
  const GumboElement& e = node->v.element;
  return e.tag_namespace != GUMBO_NAMESPACE_HTML || internal::IsDroppedWithContent(e.tag);
}

bool IsAllowedAttribute(GumboTag tag, std::string_view name) {
  switch (tag) {
    case GUMBO_TAG_A: return name == "href" || name == "title";
    case GUMBO_TAG_IMG:
      return name == "src" || name == "alt" || name == "title" || name == "width" ||
             name == "height";
    case GUMBO_TAG_TD: case GUMBO_TAG_TH: return name == "colspan" || name == "rowspan";
    case GUMBO_TAG_ABBR: case GUMBO_TAG_TIME: return name == "title" || name == "datetime";
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_Q: return name == "cite";
    default: return false;
  }
}

// Inline images a sanitiser may keep: raster formats only (an SVG image
// can carry script).
bool IsDataImage(std::string_view url) {
  static constexpr std::string_view kTypes[] = {"data:image/png", "data:image/jpeg",
                                                "data:image/jpg", "data:image/gif",
                                                "data:image/webp"};
  for (std::string_view type : kTypes) {
    if (StartsWithNoCase(url, type) && url.size() > type.size() &&
        (url[type.size()] == ';' || url[type.size()] == ',')) {
      return true;
    }
  }
  return false;
}

// A safe absolute (or, without a base, relative) URL for an attribute, or
// nullopt when the scheme is anything but http, https or mailto (or a
// raster data: image when `image`). gumbo has already decoded character
// references, so "jav&#x09;ascript:" arrives here as "jav\tascript:" and
// the stripping below exposes it.
std::optional<std::string> SafeUrl(std::string_view value, std::string_view base, bool image) {
  const auto visible = [](char c) { return static_cast<unsigned char>(c) > 0x20 && c != 0x7F; };
  // Most URLs hold no space or control, and both forms below are the value.
  const bool plain = std::all_of(value.begin(), value.end(), visible);
  std::string probe_storage;
  if (!plain) std::copy_if(value.begin(), value.end(), std::back_inserter(probe_storage), visible);
  const std::string_view probe = plain ? value : std::string_view(probe_storage);
  if (image && IsDataImage(probe)) return std::string(probe);
  std::string url;
  if (plain) {
    url = value;
  } else {
    for (char c : Trim(value)) {
      if (c == ' ') {
        url += "%20";
      } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) {
        url += c;
      }
    }
  }
  if (!UrlScheme(probe)) {
    // A colon before the first slash that did not make a valid scheme
    // ("java script:") is ambiguous to browsers: refuse it.
    const std::size_t colon = probe.find(':');
    if (colon != std::string_view::npos && colon < probe.find_first_of("/?#")) return std::nullopt;
    if (base.empty()) return url;
    url = ResolveUrl(base, url);
  }
  const auto scheme = UrlScheme(url);
  if (!scheme || (*scheme != "http" && *scheme != "https" && *scheme != "mailto")) {
    return std::nullopt;
  }
  return url;
}

bool IsUrlAttribute(std::string_view name) { return name == "href" || name == "src" || name == "cite"; }

}  // namespace

namespace internal {

bool IsDroppedWithContent(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_FORM: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_SELECT: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_BASE:
    case GUMBO_TAG_META: case GUMBO_TAG_LINK: case GUMBO_TAG_TITLE: case GUMBO_TAG_HEAD:
    case GUMBO_TAG_APPLET: case GUMBO_TAG_FRAME: case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_NOEMBED: case GUMBO_TAG_PARAM:
      return true;
    default:
      return false;
  }
}

bool IsAllowedElement(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_BR: case GUMBO_TAG_B: case GUMBO_TAG_STRONG:
    case GUMBO_TAG_I: case GUMBO_TAG_EM: case GUMBO_TAG_U: case GUMBO_TAG_S:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_Q: case GUMBO_TAG_CITE: case GUMBO_TAG_CODE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_LI:
    case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_A: case GUMBO_TAG_IMG: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_TABLE: case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY: case GUMBO_TAG_TR: case GUMBO_TAG_TH: case GUMBO_TAG_TD:
    case GUMBO_TAG_HR: case GUMBO_TAG_SPAN: case GUMBO_TAG_DIV: case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP: case GUMBO_TAG_SMALL: case GUMBO_TAG_ABBR: case GUMBO_TAG_TIME:
    case GUMBO_TAG_DEL: case GUMBO_TAG_INS: case GUMBO_TAG_MARK: case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_TFOOT: case GUMBO_TAG_KBD: case GUMBO_TAG_VAR: case GUMBO_TAG_SAMP:
    case GUMBO_TAG_BIG: case GUMBO_TAG_TT: case GUMBO_TAG_DFN: case GUMBO_TAG_BDI:
      return true;
    default:
      return false;
  }
}

bool IsBlockElement(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_BR: case GUMBO_TAG_LI:
    case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_DD: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
    case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_TABLE: case GUMBO_TAG_TR: case GUMBO_TAG_HR:
    case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE: case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE: case GUMBO_TAG_NAV: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_MAIN:
      return true;
    default:
      return false;
  }
}

void AppendAllowedAttribute(std::string& out, GumboTag tag, std::string_view name,
                            std::string_view value, std::string_view base) {
  if (!IsAllowedAttribute(tag, name)) return;
  std::optional<std::string> safe;
  if (IsUrlAttribute(name)) {
    safe = SafeUrl(value, base, tag == GUMBO_TAG_IMG && name == "src");
    if (!safe) return;
    value = *safe;
  } else if (name == "width" || name == "height" || name == "colspan" || name == "rowspan") {
    if (!AllDigits(value)) return;
  }
  out += ' ';
  out.append(name);
  out += "=\"";
  if (IsCleanText(value)) {
    AppendEscaped(out, value, true);
  } else {
    AppendEscaped(out, CleanText(value), true);
  }
  out += '"';
}

std::string CollapseText(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool in_run = false, run_has_newline = false;
  std::size_t i = 0;
  while (i < in.size()) {
    const bool nbsp = in[i] == '\xC2' && i + 1 < in.size() && in[i + 1] == '\xA0';
    if (IsAsciiSpace(in[i]) || nbsp) {
      in_run = true;
      run_has_newline = run_has_newline || in[i] == '\n';
      i += nbsp ? 2 : 1;
      continue;
    }
    if (in_run && !out.empty()) out += run_has_newline ? '\n' : ' ';
    in_run = run_has_newline = false;
    // The word, copied whole.
    std::size_t end = i + 1;
    while (end < in.size() && !IsAsciiSpace(in[end]) && in[end] != '\xC2') ++end;
    out.append(in.substr(i, end - i));
    i = end;
  }
  return out;
}

bool IsVoidElement(std::string_view name) {
  static constexpr std::string_view kVoid[] = {"area",  "base", "br",   "col",   "embed",
                                               "hr",    "img",  "input", "link", "meta",
                                               "param", "source", "track", "wbr"};
  return std::find(std::begin(kVoid), std::end(kVoid), name) != std::end(kVoid);
}

// Serialises allowed markup, stopping (and closing what is open) before the
// output would exceed `cap` bytes. Iterative: HTML nesting is unbounded.
std::string SanitizeWithGumbo(std::string_view html, std::string_view base, std::size_t cap,
                              std::string* text) {
  const HtmlFragment fragment(html);
  const GumboVector* top = fragment.Children();
  std::string out;
  std::string plain;  // the text rendering, as HtmlToText makes it
  if (top == nullptr) return out;

  struct Frame {
    const GumboNode* node;
    bool close;      // emit the end tag of node
    bool block_end;  // a block ends here: a line break in the text
  };
  std::vector<Frame> stack;
  for (unsigned k = top->length; k > 0; --k) {
    stack.push_back({static_cast<const GumboNode*>(top->data[k - 1]), false, false});
  }
  auto add_text = [&plain, text](std::string_view piece) {
    if (text == nullptr) return;
    // Line breaks in the source are not line breaks in the text; only
    // block boundaries are.
    for (char c : piece) plain += IsAsciiSpace(c) ? ' ' : c;
  };
  std::size_t pending_close = 0;  // bytes of end tags still owed
  bool full = false;
  auto end_tag = [](const GumboNode* n) {
    std::string tag = "</";
    tag += gumbo_normalized_tagname(n->v.element.tag);
    tag += '>';
    return tag;
  };

  while (!stack.empty()) {
    const Frame frame = stack.back();
    stack.pop_back();
    const GumboNode* node = frame.node;
    if (frame.block_end) {
      plain += '\n';
      continue;
    }
    if (frame.close) {
      const std::string tag = end_tag(node);
      out += tag;
      pending_close -= tag.size();
      continue;
    }
    if (full) continue;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      const std::string_view chars = node->v.text.text;
      std::string piece;
      AppendEscaped(piece, chars, false);
      if (out.size() + piece.size() + pending_close <= cap) {
        out += piece;
        add_text(chars);
        continue;
      }
      // Add what fits, one whole character at a time.
      std::size_t i = 0;
      while (i < chars.size()) {
        char32_t cp;
        std::size_t len = Utf8SequenceLength(chars, i, &cp);
        if (len == 0) len = 1;
        std::string one;
        AppendEscaped(one, chars.substr(i, len), false);
        if (out.size() + one.size() + pending_close > cap) break;
        out += one;
        i += len;
      }
      add_text(chars.substr(0, i));
      full = true;
      continue;
    }
    if (!IsElement(node) || IsDroppedNode(node)) continue;
    const GumboElement& element = node->v.element;
    const bool allowed = IsAllowedElement(element.tag);
    if (IsBlockElement(element.tag)) {
      plain += '\n';
      stack.push_back({node, false, true});
    } else if (element.tag == GUMBO_TAG_TD || element.tag == GUMBO_TAG_TH) {
      plain += ' ';
    }
    if (allowed) {
      const std::string_view name = gumbo_normalized_tagname(element.tag);
      std::string start = "<";
      start.append(name);
      for (unsigned k = 0; k < element.attributes.length; ++k) {
        const auto* attr = static_cast<const GumboAttribute*>(element.attributes.data[k]);
        AppendAllowedAttribute(start, element.tag, attr->name, attr->value, base);
      }
      start += ">";
      const bool is_void = IsVoidElement(name);
      const std::size_t close_size = is_void ? 0 : name.size() + 3;
      if (out.size() + start.size() + close_size + pending_close > cap) {
        full = true;
        continue;
      }
      out += start;
      if (is_void) continue;
      stack.push_back({node, true, false});
      pending_close += close_size;
    }
    for (unsigned k = element.children.length; k > 0; --k) {
      stack.push_back({static_cast<const GumboNode*>(element.children.data[k - 1]), false, false});
    }
  }
  if (text != nullptr) *text = std::string(Trim(CollapseText(plain)));
  return out;
}

std::string SanitizeCapped(std::string_view html, std::string_view base, std::size_t cap,
                           std::string* text) {
  if (auto fast = SanitizeFast(html, base, cap, text)) return std::move(*fast);
  return SanitizeWithGumbo(html, base, cap, text);
}

// True when the document, past its prolog, opens with an HTML doctype or an
// <html> element: a web page served where a feed was expected.
bool LooksLikeHtmlPage(std::string_view doc) {
  std::size_t i = 0;
  while (i < doc.size()) {
    while (i < doc.size() && IsAsciiSpace(doc[i])) ++i;
    const std::string_view rest = doc.substr(i);
    if (rest.starts_with("<?")) {
      const std::size_t end = rest.find("?>");
      if (end == std::string_view::npos) return false;
      i += end + 2;
    } else if (rest.starts_with("<!--")) {
      const std::size_t end = rest.find("-->");
      if (end == std::string_view::npos) return false;
      i += end + 3;
    } else if (StartsWithNoCase(rest, "<!doctype")) {
      // An XHTML DOCTYPE heads some RSS feeds (a CMS's page template): the
      // root element decides, and only a bare HTML5 DOCTYPE says "page".
      const std::size_t end = rest.find('>');
      if (end == std::string_view::npos) return false;
      const std::string_view doctype = Trim(rest.substr(9, end - 9));
      if (EqualsNoCase(doctype, "html")) return true;
      i += end + 1;
    } else {
      return StartsWithNoCase(rest, "<html") &&
             (rest.size() == 5 || IsAsciiSpace(rest[5]) || rest[5] == '>');
    }
  }
  return false;
}


}  // namespace internal

std::string SanitizeHtml(std::string_view html, std::string_view base_url) {
  return internal::SanitizeCapped(CleanText(html), base_url,
                                  std::numeric_limits<std::size_t>::max() / 2, nullptr);
}

// The text rendering SanitizeCapped makes alongside the markup.
std::string HtmlToText(std::string_view html) {
  std::string text;
  internal::SanitizeCapped(CleanText(html), {}, std::numeric_limits<std::size_t>::max() / 2, &text);
  return text;
}

}  // namespace redwire::parse
