// The last resort for feeds pugixml cannot read even after repair
// (mis-nested or unclosed tags in the middle of the document): an HTML5
// parse of the tag soup with gumbo, which never fails and closes what the
// author left open, then the RSS/Atom element names read off that tree.
#include <gumbo.h>

#include <algorithm>
#include <map>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {
namespace {

constexpr int kGumboMaxErrors = 1000;
// Start tags deeper than this are dropped before gumbo sees the soup, as
// html.cc does for fragments: gumbo checks scopes by scanning its stack of
// open elements (O(depth) per tag) and frees its tree recursively, so a
// million unclosed elements took minutes and then overflowed the stack.
// Feeds nest a handful of levels.
constexpr int kMaxSoupDepth = 256;

// HTML gives <link>, <source> and <image> special parsing (void elements,
// <image> becomes <img>); feeds use them as ordinary elements.
constexpr std::string_view kRenamed[] = {"link", "source", "image"};
constexpr std::string_view kRenamePrefix = "rw-";

bool IsNameChar(char c) { return IsAlpha(c) || IsDigit(c) || c == ':' || c == '-' || c == '_' || c == '.'; }

// Elements that carry HTML: their raw markup is made text, so the HTML
// parser cannot let a stray <div> inside swallow the rest of the feed.
constexpr std::string_view kHtmlFields[] = {"description", "content:encoded", "encoded",
                                            "summary", "content"};

// The inside of an HTML-carrying element as text for the HTML parser:
// CDATA and raw markup escaped, entity-escaped markup left for the parser
// to decode.
void AppendFieldText(std::string& out, std::string_view inner) {
  std::size_t i = 0;
  while (i < inner.size()) {
    const std::size_t cdata = inner.find("<![CDATA[", i);
    const std::string_view plain = inner.substr(i, cdata == std::string_view::npos ? std::string_view::npos : cdata - i);
    bool raw_markup = false;
    for (std::size_t k = 0; k + 1 < plain.size() && !raw_markup; ++k) {
      raw_markup = plain[k] == '<' && (IsAlpha(plain[k + 1]) || plain[k + 1] == '/');
    }
    if (raw_markup) {
      AppendEscaped(out, plain, false);
    } else {
      out.append(plain);
    }
    if (cdata == std::string_view::npos) break;
    std::size_t end = inner.find("]]>", cdata + 9);
    if (end == std::string_view::npos) end = inner.size();
    AppendEscaped(out, inner.substr(cdata + 9, end - cdata - 9), false);
    i = std::min(inner.size(), end + 3);
  }
}

// Finds "</name" (any case) followed by '>' or space from `from`.
std::size_t FindEndTag(std::string_view doc, std::string_view name, std::size_t from) {
  const std::string lower_doc_name = "</" + ToLowerAscii(name);
  std::size_t pos = from;
  while ((pos = doc.find("</", pos)) != std::string_view::npos) {
    if (pos + lower_doc_name.size() < doc.size() &&
        EqualsNoCase(doc.substr(pos, lower_doc_name.size()), lower_doc_name)) {
      const char after = doc[pos + lower_doc_name.size()];
      if (after == '>' || IsAsciiSpace(after)) return pos;
    }
    pos += 2;
  }
  return std::string_view::npos;
}

// Rewrites XML constructs an HTML parser reads differently: CDATA sections
// become escaped text, self-closing feed elements get an end tag, and the
// element names HTML treats specially are renamed. Nesting is capped at
// kMaxSoupDepth.
std::string PrepareSoup(std::string_view doc) {
  std::string out;
  out.reserve(doc.size() + doc.size() / 8);
  // The next end tag of each HTML field (by lower-case name) from where it
  // was last looked for, npos when there is none: without it, a document
  // of unclosed <description>s rescanned the rest of itself at each one.
  std::map<std::string, std::size_t> next_end;
  int depth = 0;
  std::size_t i = 0;
  while (i < doc.size()) {
    const std::size_t lt = doc.find('<', i);
    if (lt == std::string_view::npos) {
      out.append(doc.substr(i));
      break;
    }
    out.append(doc.substr(i, lt - i));
    i = lt;
    if (doc.compare(i, 9, "<![CDATA[") == 0) {
      std::size_t end = doc.find("]]>", i + 9);
      if (end == std::string_view::npos) end = doc.size();
      AppendEscaped(out, doc.substr(i + 9, end - i - 9), false);
      i = std::min(doc.size(), end + 3);
      continue;
    }
    const bool closing = i + 1 < doc.size() && doc[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < doc.size() && IsNameChar(doc[j])) ++j;
    if (j == name_start) {
      out += '<';
      ++i;
      continue;
    }
    const std::string name = ToLowerAscii(doc.substr(name_start, j - name_start));
    // The end of the tag, skipping quoted attribute values.
    std::size_t k = j;
    char quote = 0;
    while (k < doc.size() && (quote != 0 || doc[k] != '>')) {
      if (quote == 0 && (doc[k] == '"' || doc[k] == '\'')) {
        quote = doc[k];
      } else if (quote != 0 && doc[k] == quote) {
        quote = 0;
      }
      ++k;
    }
    const bool self_closing = !closing && k < doc.size() && k > j && doc[k - 1] == '/';
    const bool opens = !closing && !self_closing && !IsVoidElement(name);
    if (opens && depth >= kMaxSoupDepth && k < doc.size()) {
      i = k + 1;
      continue;
    }
    if (opens) ++depth;
    if (closing && depth > 0) --depth;
    const bool renamed = std::find(std::begin(kRenamed), std::end(kRenamed), name) != std::end(kRenamed);
    const std::string new_name = renamed ? std::string(kRenamePrefix) + name : name;
    out += closing ? "</" : "<";
    out += new_name;
    if (k >= doc.size()) {
      out.append(doc.substr(j));
      break;
    }
    if (self_closing && !IsVoidElement(name)) {
      out.append(doc.substr(j, k - 1 - j));
      out += "></" + new_name + ">";
    } else {
      out.append(doc.substr(j, k + 1 - j));
    }
    i = k + 1;
    const bool html_field =
        !closing && !self_closing &&
        std::find(std::begin(kHtmlFields), std::end(kHtmlFields), name) != std::end(kHtmlFields);
    if (html_field) {
      // A cached position at or after i is still the first end tag from i;
      // npos stays npos.
      auto [cached, fresh] = next_end.try_emplace(name, std::string_view::npos);
      if (fresh || (cached->second != std::string_view::npos && cached->second < i)) {
        cached->second = FindEndTag(doc, doc.substr(name_start, j - name_start), i);
      }
      const std::size_t end = cached->second;
      if (end != std::string_view::npos) {
        AppendFieldText(out, doc.substr(i, end - i));
        i = end;
      }
    }
  }
  return out;
}

// The element's name as written, lower case, without the rw- renaming.
std::string NameOf(const GumboNode* node) {
  const GumboElement& e = node->v.element;
  std::string name;
  if (e.tag != GUMBO_TAG_UNKNOWN) {
    name = gumbo_normalized_tagname(e.tag);
  } else {
    GumboStringPiece piece = e.original_tag;
    gumbo_tag_from_original_text(&piece);
    name = ToLowerAscii(std::string_view(piece.data, piece.length));
  }
  if (name.starts_with(kRenamePrefix)) name.erase(0, kRenamePrefix.size());
  return name;
}

std::string LocalOf(const std::string& name) {
  const std::size_t colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

std::string_view Attribute(const GumboNode* node, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&node->v.element.attributes, name);
  return a == nullptr ? std::string_view() : std::string_view(a->value);
}

bool IsElementNode(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

// All text under a node, iteratively.
std::string TextOf(const GumboNode* root) {
  std::string out;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      out += node->v.text.text;
    } else if (IsElementNode(node)) {
      const GumboVector& children = node->v.element.children;
      for (unsigned k = children.length; k > 0; --k) {
        stack.push_back(static_cast<const GumboNode*>(children.data[k - 1]));
      }
    }
  }
  return out;
}

// The HTML inside a node: its text when it holds escaped markup only, else
// its children serialised (text escaped).
std::string MarkupOf(const GumboNode* root) {
  const GumboVector& top = root->v.element.children;
  bool has_elements = false;
  for (unsigned k = 0; k < top.length; ++k) {
    has_elements = has_elements || IsElementNode(static_cast<const GumboNode*>(top.data[k]));
  }
  if (!has_elements) return TextOf(root);
  std::string out;
  struct Frame {
    const GumboNode* node;
    bool close;
  };
  std::vector<Frame> stack;
  for (unsigned k = top.length; k > 0; --k) stack.push_back({static_cast<const GumboNode*>(top.data[k - 1]), false});
  while (!stack.empty()) {
    const Frame frame = stack.back();
    stack.pop_back();
    const GumboNode* node = frame.node;
    if (frame.close) {
      out += "</" + LocalOf(NameOf(node)) + ">";
      continue;
    }
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      AppendEscaped(out, node->v.text.text, false);
      continue;
    }
    if (!IsElementNode(node)) continue;
    const std::string name = LocalOf(NameOf(node));
    out += "<" + name;
    const GumboVector& attributes = node->v.element.attributes;
    for (unsigned k = 0; k < attributes.length; ++k) {
      const auto* a = static_cast<const GumboAttribute*>(attributes.data[k]);
      out += " ";
      out += a->name;
      out += "=\"";
      AppendEscaped(out, a->value, true);
      out += "\"";
    }
    out += ">";
    if (IsVoidElement(name)) continue;
    stack.push_back({node, true});
    const GumboVector& children = node->v.element.children;
    for (unsigned k = children.length; k > 0; --k) {
      stack.push_back({static_cast<const GumboNode*>(children.data[k - 1]), false});
    }
  }
  return out;
}

struct Soup {
  std::vector<const GumboNode*> entries;  // <item> or <entry>, outermost
  const GumboNode* channel_title = nullptr;
  const GumboNode* channel_link = nullptr;
  bool atom = false;
  bool rdf = false;
};

Soup FindEntries(const GumboNode* root) {
  Soup soup;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!IsElementNode(node)) continue;
    const std::string local = LocalOf(NameOf(node));
    if (local == "item" || local == "entry") {
      // Without its end tag an entry was cut short (a truncated body), or
      // an unclosed one swallowed the entries after it: those are read on
      // their own below.
      if (node->v.element.original_end_tag.length > 0) soup.entries.push_back(node);
      soup.atom = soup.atom || local == "entry";
    }
    if (local == "feed") soup.atom = true;
    if (local == "rdf") soup.rdf = true;
    if (local == "title" && soup.channel_title == nullptr) soup.channel_title = node;
    if (local == "link" && soup.channel_link == nullptr) soup.channel_link = node;
    const GumboVector& children = node->v.element.children;
    for (unsigned k = children.length; k > 0; --k) {
      stack.push_back(static_cast<const GumboNode*>(children.data[k - 1]));
    }
  }
  return soup;
}

RawItem ReadEntry(const GumboNode* entry, const std::string& base) {
  RawItem raw;
  raw.link_base = base;
  std::vector<const GumboNode*> stack;
  const GumboVector& top = entry->v.element.children;
  for (unsigned k = top.length; k > 0; --k) stack.push_back(static_cast<const GumboNode*>(top.data[k - 1]));
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (!IsElementNode(node)) continue;
    const std::string name = NameOf(node);
    const std::string local = LocalOf(name);
    bool descend = false;
    if (local == "title" && raw.title.empty()) {
      raw.title = HtmlToText(TextOf(node));
    } else if (local == "link" && raw.link.empty()) {
      const std::string_view rel = Attribute(node, "rel");
      const std::string_view href = Attribute(node, "href");
      if (rel == "enclosure") {
        Enclosure e{WebLink(base, href), std::string(Attribute(node, "type")), 0};
        if (!e.url.empty()) raw.enclosures.push_back(std::move(e));
      } else if (rel.empty() || rel == "alternate") {
        raw.link = href.empty() ? Trim(TextOf(node)) : href;
      }
    } else if ((local == "guid" || local == "id") && raw.guid.empty()) {
      raw.guid = Trim(TextOf(node));
      raw.guid_is_permalink = !EqualsNoCase(Attribute(node, "ispermalink"), "false");
      raw.guid_marked_permalink = EqualsNoCase(Attribute(node, "ispermalink"), "true");
    } else if ((local == "description" || local == "summary") && raw.summary_html.empty()) {
      raw.summary_html = MarkupOf(node);
    } else if ((local == "encoded" || local == "content" || local == "fullitem") && raw.content_html.empty()) {
      raw.content_html = MarkupOf(node);
    } else if ((local == "pubdate" || local == "published" || local == "issued" ||
                name == "dc:date") && raw.published.empty()) {
      raw.published = TextOf(node);
    } else if ((local == "updated" || local == "modified") && raw.updated.empty()) {
      raw.updated = TextOf(node);
    } else if (local == "author" || local == "creator") {
      // <author><name>Jane</name><email>...</email></author>: the name.
      const GumboNode* person = node;
      const GumboVector& parts = node->v.element.children;
      for (unsigned k = 0; k < parts.length; ++k) {
        const auto* part = static_cast<const GumboNode*>(parts.data[k]);
        if (IsElementNode(part) && LocalOf(NameOf(part)) == "name") person = part;
      }
      std::string author(Trim(TextOf(person)));
      raw.authors.push_back(CollapseSpaces(author));
    } else if (local == "category" || local == "subject") {
      const std::string_view term = Attribute(node, "term");
      raw.categories.push_back(term.empty() ? TextOf(node) : std::string(term));
    } else if (local == "enclosure") {
      Enclosure e{WebLink(base, Attribute(node, "url")), std::string(Attribute(node, "type")), 0};
      if (!e.url.empty()) raw.enclosures.push_back(std::move(e));
    } else if (local == "item" || local == "entry") {
      continue;  // a nested entry is read as an entry of its own
    } else {
      descend = true;  // mis-nesting may have put fields inside other elements
    }
    if (!descend) continue;
    const GumboVector& children = node->v.element.children;
    for (unsigned k = children.length; k > 0; --k) {
      stack.push_back(static_cast<const GumboNode*>(children.data[k - 1]));
    }
  }
  return raw;
}

}  // namespace

Result<ParsedFeed> RecoverWithHtmlParser(std::string_view doc, const Context& context) {
  const std::string soup_text = PrepareSoup(doc);
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = kGumboMaxErrors;
  GumboOutput* output = gumbo_parse_with_options(&options, soup_text.data(), soup_text.size());
  if (output == nullptr) return Error{"not a feed: the HTML parser failed", ErrorCode::kInvalidArgument};
  const Soup soup = FindEntries(output->root);
  ParsedFeed out;
  out.format = soup.atom ? "atom10" : soup.rdf ? "rss10" : "rss20";
  const std::string base = StripUrlNoise(context.base_url);
  if (soup.channel_title != nullptr) out.meta.title = HtmlToText(TextOf(soup.channel_title));
  if (soup.channel_link != nullptr) {
    const std::string_view href = Attribute(soup.channel_link, "href");
    out.meta.link = WebLink(base, href.empty() ? std::string(Trim(TextOf(soup.channel_link))) : std::string(href));
  }
  std::vector<RawItem> raws;
  for (const GumboNode* entry : soup.entries) {
    if (raws.size() >= context.max_items * 2) break;
    raws.push_back(ReadEntry(entry, base.empty() ? out.meta.link : base));
  }
  gumbo_destroy_output(&options, output);
  if (raws.empty()) return Error{"not a feed: no items in the tag soup", ErrorCode::kInvalidArgument};
  RawFeed feed;
  NormaliseMeta(out.meta, feed);
  AddItems(std::move(raws), feed, context, out);
  return out;
}

}  // namespace redwire::parse::internal
