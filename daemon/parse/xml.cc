// RSS 0.90-0.94, 1.0 and 2.0 and Atom 0.3 and 1.0 on pugixml, with the
// extensions feeds of this field use (content, dc, dcterms, atom:link in
// RSS, media, syndication). pugixml has no namespaces: elements are matched
// by namespace URI, resolved here, never by prefix.
#include <openssl/evp.h>
#include <pugixml.hpp>

#include <algorithm>
#include <optional>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {
namespace {

constexpr std::string_view kAtomNs = "http://www.w3.org/2005/Atom";
constexpr std::string_view kAtom03Ns = "http://purl.org/atom/ns#";
constexpr std::string_view kDcNs = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDcTermsNs = "http://purl.org/dc/terms/";
constexpr std::string_view kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kRss10Ns = "http://purl.org/rss/1.0/";
constexpr std::string_view kRss090Ns = "http://my.netscape.com/rdf/simple/0.9/";
constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kMediaNs = "http://search.yahoo.com/mrss/";
constexpr std::string_view kSyNs = "http://purl.org/rss/1.0/modules/syndication/";
constexpr std::string_view kXhtmlNs = "http://www.w3.org/1999/xhtml";

std::string_view LocalName(pugi::xml_node node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// RSS element names without case, as feedparser reads them: "pubdate",
// "PubDate" and "LastBuildDate" are all seen in the wild. Names longer than
// any RSS element stay as they are.
class LowerName {
 public:
  explicit LowerName(std::string_view name) : size_(name.size()) {
    if (size_ > sizeof buffer_) {
      long_ = name;
      return;
    }
    for (std::size_t i = 0; i < size_; ++i) buffer_[i] = AsciiLower(name[i]);
  }
  std::string_view view() const { return long_.empty() ? std::string_view(buffer_, size_) : long_; }

 private:
  char buffer_[24];
  std::size_t size_;
  std::string_view long_;
};

// Namespace URIs compare without a trailing slash or '#' and without case:
// feeds write "http://search.yahoo.com/mrss" and "http://purl.org/RSS/1.0/".
bool SameNs(std::string_view a, std::string_view b) {
  auto strip = [](std::string_view s) {
    while (!s.empty() && (s.back() == '/' || s.back() == '#')) s.remove_suffix(1);
    return s;
  };
  return EqualsNoCase(strip(a), strip(b));
}

// The URI `prefix` is bound to by an xmlns declaration on `node` itself.
std::optional<std::string_view> Declared(pugi::xml_node node, std::string_view prefix) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view name = a.name();
    if (prefix.empty() ? name == "xmlns"
                       : name.size() == prefix.size() + 6 && name.starts_with("xmlns:") &&
                             name.ends_with(prefix)) {
      return std::string_view(a.value());
    }
  }
  return std::nullopt;
}

// Namespace URIs of elements, found by walking up their xmlns
// declarations. Undeclared but well-known prefixes, a frequent mistake, map
// to their usual URI. Elements are looked up in sibling groups (the
// children of one item, then of the next), so the bindings in force at the
// grandparent (the channel, or the feed) are gathered once and kept.
class Namespaces {
 public:
  std::string_view Of(pugi::xml_node node) {
    const std::string_view name = node.name();
    const std::size_t colon = name.find(':');
    const std::string_view prefix =
        colon == std::string_view::npos ? std::string_view() : name.substr(0, colon);
    std::optional<std::string_view> uri = Declared(node, prefix);
    const pugi::xml_node parent = node.parent();
    if (!uri && parent.type() == pugi::node_element) uri = Declared(parent, prefix);
    if (!uri) uri = InScope(parent.parent(), prefix);
    if (uri) return *uri;
    static constexpr std::pair<std::string_view, std::string_view> kUsual[] = {
        {"dc", kDcNs},       {"dcterms", kDcTermsNs}, {"content", kContentNs},
        {"atom", kAtomNs},   {"rdf", kRdfNs},         {"media", kMediaNs},
        {"sy", kSyNs},       {"xhtml", kXhtmlNs}};
    for (const auto& [p, usual] : kUsual) {
      if (prefix == p) return usual;
    }
    return {};
  }

 private:
  // The binding of `prefix` in force at `scope` (an element, or nothing
  // above the root).
  std::optional<std::string_view> InScope(pugi::xml_node scope, std::string_view prefix) {
    if (scope != scope_) {
      scope_ = scope;
      bindings_.clear();
      for (pugi::xml_node n = scope; n.type() == pugi::node_element; n = n.parent()) {
        for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
          const std::string_view name = a.name();
          // "xmlns" binds the default namespace, "xmlns:p" the prefix p.
          if (!name.starts_with("xmlns") || name.size() == 6 || (name.size() > 5 && name[5] != ':')) {
            continue;
          }
          const std::string_view bound = name.size() > 5 ? name.substr(6) : std::string_view();
          const bool inner = std::any_of(bindings_.begin(), bindings_.end(),
                                         [&](const auto& b) { return b.first == bound; });
          if (!inner) bindings_.emplace_back(bound, a.value());
        }
      }
    }
    for (const auto& [bound, uri] : bindings_) {
      if (bound == prefix) return uri;
    }
    return std::nullopt;
  }

  pugi::xml_node scope_;
  // Prefix and URI, innermost declaration first; both view the document,
  // which outlives the reader.
  std::vector<std::pair<std::string_view, std::string_view>> bindings_;
};

template <typename Fn>
void ForEachChildElement(pugi::xml_node node, Fn&& fn) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) fn(c);
  }
}

// All the character data directly inside an element (text and CDATA pieces
// together; pugixml's child_value() stops at the first).
std::string DirectText(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

bool HasChildElement(pugi::xml_node node) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element) return true;
  }
  return false;
}

// The children of `root` as HTML markup, with prefixes and namespace
// declarations dropped. Walks without recursion.
std::string InnerMarkup(pugi::xml_node root) {
  std::string out;
  auto open = [&out](pugi::xml_node n) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      AppendEscaped(out, n.value(), false);
      return;
    }
    if (n.type() != pugi::node_element) return;
    out += '<';
    out.append(LocalName(n));
    for (pugi::xml_attribute a : n.attributes()) {
      const std::string_view name = a.name();
      if (name == "xmlns" || name.find(':') != std::string_view::npos) continue;
      out += ' ';
      out.append(name);
      out += "=\"";
      AppendEscaped(out, a.value(), true);
      out += '"';
    }
    out += '>';
  };
  auto close = [&out](pugi::xml_node n) {
    if (n.type() != pugi::node_element || IsVoidElement(LocalName(n))) return;
    out += "</";
    out.append(LocalName(n));
    out += '>';
  };
  pugi::xml_node cur = root.first_child();
  while (cur) {
    open(cur);
    if (cur.type() == pugi::node_element && cur.first_child()) {
      cur = cur.first_child();
      continue;
    }
    close(cur);
    while (!cur.next_sibling()) {
      cur = cur.parent();
      if (cur == root) return out;
      close(cur);
    }
    cur = cur.next_sibling();
  }
  return out;
}

// The HTML inside an RSS element: escaped or CDATA text, or (in sloppy
// feeds) raw child elements.
std::string RssMarkup(pugi::xml_node node) {
  return HasChildElement(node) ? InnerMarkup(node) : DirectText(node);
}

// Base64 (RFC 4648, line breaks and spaces allowed) as bytes; nullopt when
// it is not base64.
std::optional<std::string> DecodeBase64(std::string_view encoded) {
  std::string compact;
  compact.reserve(encoded.size());
  for (char c : encoded) {
    if (!IsAsciiSpace(c)) compact += c;
  }
  if (compact.size() % 4 != 0) return std::nullopt;
  std::string out(compact.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(compact.data()),
                                static_cast<int>(compact.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding's bytes as data.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t k = compact.size(); k > 0 && compact[k - 1] == '=' && size > 0; --k) --size;
  out.resize(size);
  return out;
}

// "text", "html", "xhtml", or what else the type says; *base64 is set when
// the text is base64 (Atom 0.3 mode="base64"; in Atom 1.0 a media type that
// is neither text nor XML, RFC 4287 section 4.1.3.3).
std::string TextType(pugi::xml_node node, bool* base64) {
  std::string type = ToLowerAscii(Trim(node.attribute("type").value()));
  // "text/html;base64", "base64": a type that says its text is base64.
  if (const std::size_t b = type.find("base64"); b != std::string::npos) {
    const std::size_t semicolon = type.find(';');
    *base64 = true;
    return type.substr(0, std::min(b, semicolon)).find("html") != std::string::npos ? "html" : "text";
  }
  // Atom 0.3: mode="escaped" holds escaped markup, mode="xml" inline XHTML.
  const std::string mode = ToLowerAscii(node.attribute("mode").value());
  *base64 = mode == "base64";
  if (mode == "xml") return "xhtml";
  if ((mode == "escaped" || *base64) && (type.empty() || type.find("html") != std::string::npos)) {
    return "html";
  }
  if (type == "application/xhtml+xml") return "xhtml";
  if (type == "text/html") return "html";
  if (type.empty() || type == "text" || type.starts_with("text/")) return "text";
  if (type == "html" || type == "xhtml") return type;
  if (!type.ends_with("/xml") && !type.ends_with("+xml")) *base64 = true;
  return type;
}

// An Atom text construct (RFC 4287 section 3.1) as HTML markup. Child
// elements in a "text" construct are markup the feed forgot to type.
std::string AtomMarkup(pugi::xml_node node) {
  bool base64 = false;
  const std::string type = TextType(node, &base64);
  if (base64) {
    auto decoded = DecodeBase64(DirectText(node));
    // Binary media (an image as content) has no text to show.
    if (!decoded || !IsValidUtf8(*decoded) || decoded->find('\0') != std::string::npos) return {};
    if (type.find("html") != std::string::npos) return *decoded;
    std::string escaped;
    AppendEscaped(escaped, *decoded, false);
    return escaped;
  }
  if (type == "xhtml") {
    pugi::xml_node div;
    ForEachChildElement(node, [&div](pugi::xml_node c) {
      if (!div && LocalName(c) == "div") div = c;
    });
    return InnerMarkup(div ? div : node);
  }
  if (type == "html" || HasChildElement(node)) return RssMarkup(node);
  std::string escaped;
  AppendEscaped(escaped, DirectText(node), false);
  return escaped;
}

// Plain text of an Atom text construct.
std::string AtomPlain(pugi::xml_node node) {
  bool base64 = false;
  if (TextType(node, &base64) == "text" && !base64 && !HasChildElement(node)) return DirectText(node);
  return HtmlToText(AtomMarkup(node));
}

// RSS titles are nominally plain text, yet many feeds put entity-escaped
// markup or double-escaped entities in them: decode only when it looks so.
std::string RssPlain(std::string_view text) {
  bool markup = false;
  for (std::size_t i = 0; i + 1 < text.size() && !markup; ++i) {
    if (text[i] == '<') markup = IsAlpha(text[i + 1]) || text[i + 1] == '/';
    if (text[i] == '&') {
      // A reference is at most ten bytes long, so look no further: an
      // unbounded find rescanned the rest of the text at every '&', and a
      // 10 MB title of "&" took minutes (docs/hardening.md).
      const std::size_t semi = text.substr(i, 11).find(';');
      markup = semi != std::string_view::npos && (text[i + 1] == '#' || IsAlpha(text[i + 1]));
    }
  }
  return markup ? HtmlToText(text) : std::string(text);
}

// The plain text of an RSS element, also when it holds child elements
// ("<title>Example <b>RSS</b></title>").
std::string RssPlain(pugi::xml_node node) {
  return HasChildElement(node) ? HtmlToText(InnerMarkup(node)) : RssPlain(DirectText(node));
}

// A person in RSS: text ("jane@example.org (Jane Doe)"), or child elements
// in the Atom manner (<author><name>Jane</name><email>...</email></author>).
std::string PersonText(pugi::xml_node node) {
  if (!HasChildElement(node)) return DirectText(node);
  std::string name, email;
  ForEachChildElement(node, [&](pugi::xml_node c) {
    const LowerName n(LocalName(c));
    if (n.view() == "name" && name.empty()) name = DirectText(c);
    if (n.view() == "email" && email.empty()) email = DirectText(c);
  });
  if (!Trim(name).empty()) return name;
  if (!Trim(email).empty()) return email;
  return HtmlToText(InnerMarkup(node));
}

std::string InheritedLang(pugi::xml_node node) {
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute("xml:lang")) return a.value();
  }
  return {};
}

std::int64_t ParseLength(std::string_view s) {
  s = Trim(s);
  if (!AllDigits(s) || s.size() > 18) return 0;
  return std::stoll(std::string(s));
}

// Whether the element's end tag appears in the document before `limit`.
// pugixml keeps a partial tree on errors; this tells a closed item from the
// one the error cut short.
bool ClosedBefore(pugi::xml_node node, std::string_view doc, std::size_t limit) {
  const std::ptrdiff_t start = node.offset_debug();
  if (start < 0) return false;
  const std::string end_tag = std::string("</") + node.name();
  std::size_t pos = static_cast<std::size_t>(start);
  while ((pos = doc.find(end_tag, pos)) != std::string_view::npos && pos < limit) {
    std::size_t k = pos + end_tag.size();
    while (k < doc.size() && IsAsciiSpace(doc[k])) ++k;
    if (k < doc.size() && doc[k] == '>' && k <= limit) return true;  // offset may be that '>'
    pos = k;
  }
  return false;
}

// sy:updatePeriod / sy:updateFrequency as seconds between updates.
std::int64_t SyndicationSeconds(std::string_view period, std::string_view frequency) {
  static constexpr std::pair<std::string_view, std::int64_t> kPeriods[] = {
      {"hourly", 3600}, {"daily", 86400}, {"weekly", 7 * 86400},
      {"monthly", 30 * 86400}, {"yearly", 365 * 86400}};
  std::int64_t seconds = 0;
  for (const auto& [name, s] : kPeriods) {
    if (EqualsNoCase(Trim(period), name)) seconds = s;
  }
  if (seconds == 0) return 0;
  const std::int64_t times = ParseLength(frequency);
  return times > 0 ? seconds / times : seconds;
}

// The first element prefix without an xmlns declaration anywhere in the
// document (declarations are usually on the root; this does not check
// scope). Bounded: feeds declare their prefixes up front.
std::string UndeclaredPrefix(pugi::xml_node root) {
  constexpr int kMaxElements = 20000;
  std::vector<std::string_view> declared;  // views of the document's names
  std::vector<std::string_view> used;
  int seen = 0;
  pugi::xml_node cur = root;
  while (cur && seen++ < kMaxElements) {
    for (pugi::xml_attribute a : cur.attributes()) {
      const std::string_view name = a.name();
      if (name.starts_with("xmlns:")) declared.emplace_back(name.substr(6));
    }
    const std::string_view name = cur.name();
    if (const std::size_t colon = name.find(':'); colon != std::string_view::npos) {
      const std::string_view prefix = name.substr(0, colon);
      if (std::find(used.begin(), used.end(), prefix) == used.end()) used.push_back(prefix);
    }
    pugi::xml_node next = cur.first_child();
    while (next && next.type() != pugi::node_element) next = next.next_sibling();
    if (next) {
      cur = next;
      continue;
    }
    while (cur && cur != root) {
      pugi::xml_node sibling = cur.next_sibling();
      while (sibling && sibling.type() != pugi::node_element) sibling = sibling.next_sibling();
      if (sibling) {
        cur = sibling;
        break;
      }
      cur = cur.parent();
    }
    if (cur == root) break;
  }
  for (std::string_view prefix : used) {
    if (prefix != "xml" && std::find(declared.begin(), declared.end(), prefix) == declared.end()) {
      return std::string(prefix);
    }
  }
  return {};
}

// Why a document that yields no items may still hold some: elements named
// like items that were not read (another namespace, misplaced). Empty when
// there are none (an empty channel is a feed with no news yet).
std::string UnreadEntries(pugi::xml_node root) {
  constexpr int kMaxElements = 20000;
  int seen = 0, found = 0;
  std::string_view example;
  std::vector<pugi::xml_node> stack{root};
  while (!stack.empty() && seen++ < kMaxElements) {
    const pugi::xml_node node = stack.back();
    stack.pop_back();
    const std::string_view name = LocalName(node);
    if (EqualsNoCase(name, "item") || EqualsNoCase(name, "entry")) {
      if (found++ == 0) example = node.name();
      continue;
    }
    ForEachChildElement(node, [&stack](pugi::xml_node c) { stack.push_back(c); });
  }
  if (found == 0) return {};
  return "0 items read from " + std::to_string(found) + " <" + std::string(example) +
         "> elements (not where the format puts them, or in another namespace)";
}

class Reader {
 public:
  Reader(const Context& context, ParsedFeed& out) : context_(context), out_(out) {}

  // Reads the document under `root`; `notes` collects bozo reasons.
  void Read(pugi::xml_node root, std::vector<std::string>& notes);

  std::vector<pugi::xml_node>& entries() { return entries_; }
  std::vector<RawItem> ReadEntries(std::size_t count);
  const RawFeed& feed() const { return feed_; }

 private:
  bool IsCore(std::string_view ns) const {
    return ns.empty() || SameNs(ns, feed_ns_) || SameNs(ns, kRss10Ns) || SameNs(ns, kRss090Ns) ||
           (atom_ && (SameNs(ns, kAtomNs) || SameNs(ns, kAtom03Ns)));
  }
  bool IsAtom(std::string_view ns) const {
    return SameNs(ns, kAtomNs) || SameNs(ns, kAtom03Ns) || (atom_ && IsCore(ns));
  }
  bool Is(pugi::xml_node node, std::string_view ns) const { return SameNs(NamespaceOf(node), ns); }
  std::string_view NamespaceOf(pugi::xml_node node) const { return namespaces_.Of(node); }

  // `base_` with the xml:base declarations on `node` and its ancestors.
  // Sets *declared when any was found.
  std::string BaseFor(pugi::xml_node node, bool* declared) const;

  void ReadRssMeta(pugi::xml_node channel);
  void ReadAtomMeta(pugi::xml_node root);
  // atom:link rel=self|hub|alternate, in Atom feeds and inside RSS channels.
  void ReadFeedLink(pugi::xml_node link);
  std::vector<std::string> AtomAuthors(pugi::xml_node parent) const;
  void ReadMedia(pugi::xml_node node, RawItem& raw, pugi::xml_node& html_node) const;
  void AddEnclosure(RawItem& raw, pugi::xml_node node, const char* url_attr,
                    const char* length_attr) const;
  RawItem ReadRssItem(pugi::xml_node item) const;
  RawItem ReadAtomEntry(pugi::xml_node entry) const;

  const Context& context_;
  ParsedFeed& out_;
  RawFeed feed_;
  std::string base_;     // the final URL, else the feed's self link
  std::string feed_ns_;  // the namespace of the feed's own elements
  bool atom_ = false;
  std::vector<pugi::xml_node> entries_;
  mutable Namespaces namespaces_;  // a cache: reading does not change the reader
};

std::string Reader::BaseFor(pugi::xml_node node, bool* declared) const {
  std::vector<std::string_view> bases;
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute("xml:base")) bases.push_back(a.value());
  }
  std::string base = base_;
  for (auto it = bases.rbegin(); it != bases.rend(); ++it) {
    base = base.empty() ? StripUrlNoise(*it) : ResolveUrl(base, *it);
  }
  if (declared != nullptr) *declared = !bases.empty();
  return base;
}

void Reader::ReadFeedLink(pugi::xml_node link) {
  const std::string_view rel = link.attribute("rel").value();
  const std::string url = WebLink(BaseFor(link, nullptr), link.attribute("href").value());
  if (url.empty()) return;
  if (rel == "self" && out_.meta.self.empty()) out_.meta.self = url;
  if (rel == "hub" && out_.meta.hub.empty()) out_.meta.hub = url;
  if ((rel.empty() || rel == "alternate") && out_.meta.link.empty()) {
    const std::string_view type = link.attribute("type").value();
    if (type.empty() || type.find("html") != std::string_view::npos) out_.meta.link = url;
  }
}

void Reader::ReadRssMeta(pugi::xml_node channel) {
  std::string build_date, pub_date, dc_date, managing_editor, sy_period, sy_frequency;
  std::string dc_title, dc_description;
  std::vector<std::string> creators;
  pugi::xml_node link_node;
  ForEachChildElement(channel, [&](pugi::xml_node c) {
    const std::string_view ns = NamespaceOf(c);
    const LowerName lower(LocalName(c));
    const std::string_view name = lower.view();
    if (IsCore(ns)) {
      if (name == "title" && out_.meta.title.empty()) out_.meta.title = RssPlain(c);
      if (name == "link" && !link_node) link_node = c;
      if (name == "description" && out_.meta.subtitle.empty()) out_.meta.subtitle = RssPlain(c);
      if (name == "language" && feed_.language.empty()) feed_.language = DirectText(c);
      if (name == "lastbuilddate") build_date = DirectText(c);
      if (name == "pubdate") pub_date = DirectText(c);
      if (name == "managingeditor") managing_editor = PersonText(c);
      if (name == "author") creators.push_back(PersonText(c));
      if (name == "ttl") {
        const std::int64_t minutes = ParseLength(DirectText(c));
        if (minutes > 0 && minutes < 10 * 365 * 24 * 60) out_.meta.ttl_seconds = minutes * 60;
      }
    } else if (SameNs(ns, kDcNs) || SameNs(ns, kDcTermsNs)) {
      // dcterms: repeats the fifteen dc: elements and refines the dates.
      if (name == "language" && feed_.language.empty()) feed_.language = DirectText(c);
      if ((name == "date" || name == "modified" || name == "issued" || name == "created") &&
          dc_date.empty()) {
        dc_date = DirectText(c);
      }
      if (name == "creator" || name == "author") creators.push_back(PersonText(c));
      if (name == "title" && dc_title.empty()) dc_title = RssPlain(c);
      if (name == "description" && dc_description.empty()) dc_description = RssPlain(c);
    } else if (SameNs(ns, kAtomNs) && name == "link") {
      ReadFeedLink(c);
    } else if (SameNs(ns, kSyNs)) {
      if (name == "updateperiod") sy_period = DirectText(c);
      if (name == "updatefrequency") sy_frequency = DirectText(c);
    }
  });
  if (out_.meta.title.empty()) out_.meta.title = std::move(dc_title);
  if (out_.meta.subtitle.empty()) out_.meta.subtitle = std::move(dc_description);
  // Without a final URL, the feed's own URL is the next best base.
  if (base_.empty() && !out_.meta.self.empty()) base_ = out_.meta.self;
  if (link_node) {
    const std::string link = WebLink(BaseFor(link_node, nullptr), DirectText(link_node));
    if (!link.empty()) out_.meta.link = link;
  }
  if (base_.empty() && !out_.meta.link.empty()) base_ = out_.meta.link;
  if (feed_.language.empty()) feed_.language = InheritedLang(channel);
  out_.meta.id = out_.meta.link;
  for (const std::string& d : {build_date, pub_date, dc_date}) {
    if (out_.meta.updated == 0) {
      const auto t = ParseDate(d);
      out_.meta.updated = t && *t > 0 ? *t : 0;
    }
  }
  if (out_.meta.ttl_seconds == 0) out_.meta.ttl_seconds = SyndicationSeconds(sy_period, sy_frequency);
  if (!managing_editor.empty()) feed_.authors.push_back(managing_editor);
  feed_.authors.insert(feed_.authors.end(), creators.begin(), creators.end());
}

std::vector<std::string> Reader::AtomAuthors(pugi::xml_node parent) const {
  std::vector<std::string> authors;
  ForEachChildElement(parent, [&](pugi::xml_node c) {
    if (!IsAtom(NamespaceOf(c)) || LocalName(c) != "author") return;
    // A name, else the e-mail address (feedparser's reading), else text.
    if (std::string person = PersonText(c); !Trim(person).empty()) authors.push_back(std::move(person));
  });
  return authors;
}

void Reader::ReadAtomMeta(pugi::xml_node root) {
  ForEachChildElement(root, [&](pugi::xml_node c) {
    if (IsAtom(NamespaceOf(c)) && LocalName(c) == "link") ReadFeedLink(c);
  });
  if (base_.empty() && !out_.meta.self.empty()) base_ = out_.meta.self;
  out_.meta.link.clear();
  ForEachChildElement(root, [&](pugi::xml_node c) {
    const std::string_view ns = NamespaceOf(c);
    const std::string_view name = LocalName(c);
    if (IsAtom(ns)) {
      if (name == "title" && out_.meta.title.empty()) out_.meta.title = AtomPlain(c);
      if ((name == "subtitle" || name == "tagline") && out_.meta.subtitle.empty()) {
        out_.meta.subtitle = AtomPlain(c);
      }
      if (name == "id" && out_.meta.id.empty()) out_.meta.id = Trim(DirectText(c));
      if ((name == "updated" || name == "modified") && out_.meta.updated == 0) {
        const auto t = ParseDate(DirectText(c));
        out_.meta.updated = t && *t > 0 ? *t : 0;
      }
      if (name == "link") ReadFeedLink(c);
    } else if (SameNs(ns, kSyNs) && name == "updatePeriod") {
      pugi::xml_node frequency;
      ForEachChildElement(root, [&frequency](pugi::xml_node f) {
        if (LocalName(f) == "updateFrequency") frequency = f;
      });
      out_.meta.ttl_seconds = SyndicationSeconds(DirectText(c), DirectText(frequency));
    }
  });
  if (base_.empty() && !out_.meta.link.empty()) base_ = out_.meta.link;
  feed_.language = InheritedLang(root);
  feed_.authors = AtomAuthors(root);
}

void Reader::AddEnclosure(RawItem& raw, pugi::xml_node node, const char* url_attr,
                          const char* length_attr) const {
  Enclosure e;
  e.url = WebLink(BaseFor(node, nullptr), node.attribute(url_attr).value());
  if (e.url.empty()) return;
  e.type = node.attribute("type").value();
  e.length = ParseLength(node.attribute(length_attr).value());
  raw.enclosures.push_back(std::move(e));
}

// media:content, media:thumbnail and media:description, also inside
// media:group. A media:description stands in for a missing description.
void Reader::ReadMedia(pugi::xml_node node, RawItem& raw, pugi::xml_node& html_node) const {
  const std::string_view name = LocalName(node);
  if (name == "group") {
    ForEachChildElement(node, [&](pugi::xml_node c) {
      if (Is(c, kMediaNs)) ReadMedia(c, raw, html_node);
    });
  } else if (name == "content") {
    const std::size_t before = raw.enclosures.size();
    AddEnclosure(raw, node, "url", "fileSize");
    // Without a type, media:content's medium still says what it is.
    if (raw.enclosures.size() > before && raw.enclosures.back().type.empty()) {
      raw.enclosures.back().type = node.attribute("medium").value();
    }
    ForEachChildElement(node, [&](pugi::xml_node c) {
      if (Is(c, kMediaNs)) ReadMedia(c, raw, html_node);
    });
  } else if (name == "thumbnail") {
    const std::size_t before = raw.enclosures.size();
    AddEnclosure(raw, node, "url", "fileSize");
    if (raw.enclosures.size() > before) raw.enclosures.back().type = "image";
  } else if (name == "description" && raw.summary_html.empty()) {
    const std::string type = ToLowerAscii(node.attribute("type").value());
    if (type == "html") {
      raw.summary_html = RssMarkup(node);
    } else {
      AppendEscaped(raw.summary_html, DirectText(node), false);
    }
    if (!html_node) html_node = node;
  }
}

RawItem Reader::ReadRssItem(pugi::xml_node item) const {
  RawItem raw;
  pugi::xml_node link_node, html_node, atom_link;
  std::vector<pugi::xml_node> media;
  std::string dc_title, dc_description, dc_identifier;
  ForEachChildElement(item, [&](pugi::xml_node c) {
    const std::string_view ns = NamespaceOf(c);
    const LowerName lower(LocalName(c));
    const std::string_view name = lower.view();
    if (IsCore(ns)) {
      if (name == "title" && raw.title.empty()) {
        raw.title = RssPlain(c);
      } else if (name == "link" && !link_node) {
        link_node = c;
      } else if (name == "guid" && raw.guid.empty()) {
        raw.guid = std::string(Trim(DirectText(c)));
        const std::string_view permalink = c.attribute("isPermaLink").value();
        raw.guid_is_permalink = !EqualsNoCase(permalink, "false");
        raw.guid_marked_permalink = EqualsNoCase(permalink, "true");
      } else if (name == "description" && raw.summary_html.empty()) {
        raw.summary_html = RssMarkup(c);
        html_node = c;
      } else if (name == "fullitem" && raw.content_html.empty()) {
        raw.content_html = RssMarkup(c);  // an early RSS 0.9x full text
        if (!html_node) html_node = c;
      } else if (name == "pubdate" && raw.published.empty()) {
        raw.published = DirectText(c);
      } else if (name == "author") {
        raw.authors.push_back(PersonText(c));
      } else if (name == "category") {
        raw.categories.push_back(DirectText(c));
      } else if (name == "enclosure") {
        AddEnclosure(raw, c, "url", "length");
      }
    } else if (SameNs(ns, kContentNs) && name == "encoded" && raw.content_html.empty()) {
      raw.content_html = RssMarkup(c);
      if (!html_node) html_node = c;
    } else if (SameNs(ns, kXhtmlNs) && name == "body" && raw.content_html.empty()) {
      raw.content_html = InnerMarkup(c);
    } else if (SameNs(ns, kDcNs) || SameNs(ns, kDcTermsNs)) {
      // dcterms: repeats the fifteen dc: elements and refines the dates.
      if (name == "creator" || name == "contributor" || name == "author") raw.authors.push_back(PersonText(c));
      if (name == "subject") raw.categories.push_back(DirectText(c));
      if (name == "language" && raw.language.empty()) raw.language = DirectText(c);
      if ((name == "date" || name == "created" || name == "issued") && raw.published.empty()) {
        raw.published = DirectText(c);
      }
      if (name == "modified" && raw.updated.empty()) raw.updated = DirectText(c);
      if (name == "identifier" && dc_identifier.empty()) dc_identifier = Trim(DirectText(c));
      if (name == "title" && dc_title.empty()) dc_title = RssPlain(c);
      if (name == "description" && dc_description.empty()) {
        dc_description = RssMarkup(c);
        if (!html_node) html_node = c;
      }
    } else if (SameNs(ns, kAtomNs)) {
      if (name == "updated" && raw.updated.empty()) raw.updated = DirectText(c);
      if (name == "published" && raw.published.empty()) raw.published = DirectText(c);
      if (name == "link") {
        const std::string_view rel = c.attribute("rel").value();
        if ((rel.empty() || rel == "alternate") && !atom_link) atom_link = c;
        if (rel == "enclosure") AddEnclosure(raw, c, "href", "length");
      }
    } else if (SameNs(ns, kMediaNs)) {
      media.push_back(c);
    }
  });
  if (raw.title.empty()) raw.title = std::move(dc_title);
  if (raw.summary_html.empty()) raw.summary_html = std::move(dc_description);
  for (pugi::xml_node m : media) ReadMedia(m, raw, html_node);
  // RSS 1.0 names the item in rdf:about; it is the link when <link> is absent.
  const std::string_view about = item.attribute("rdf:about").value();
  if (link_node) {
    raw.link = DirectText(link_node);
    raw.link_base = BaseFor(link_node, nullptr);
  } else if (atom_link) {
    raw.link = atom_link.attribute("href").value();
    raw.link_base = BaseFor(atom_link, nullptr);
  } else {
    raw.link = about;
    raw.link_base = BaseFor(item, nullptr);
  }
  // The RSS 1.0 guid: rdf:about names the item (RSS 1.0 section 5.5), so it
  // comes first; dc:identifier stands in where a sloppy feed has no about.
  if (raw.guid.empty()) raw.guid = !Trim(about).empty() ? std::string(Trim(about)) : std::move(dc_identifier);
  bool declared = false;
  const std::string html_base = BaseFor(html_node ? html_node : item, &declared);
  if (declared) raw.html_base = html_base;
  if (raw.language.empty()) raw.language = InheritedLang(item);
  return raw;
}

RawItem Reader::ReadAtomEntry(pugi::xml_node entry) const {
  RawItem raw;
  pugi::xml_node alternate, html_node, content_src;
  std::vector<pugi::xml_node> media;
  ForEachChildElement(entry, [&](pugi::xml_node c) {
    const std::string_view ns = NamespaceOf(c);
    const std::string_view name = LocalName(c);
    if (!IsAtom(ns)) {
      if (SameNs(ns, kDcNs) && name == "subject") raw.categories.push_back(DirectText(c));
      if (SameNs(ns, kDcNs) && name == "creator") raw.authors.push_back(DirectText(c));
      if (SameNs(ns, kMediaNs)) media.push_back(c);
      return;
    }
    if (name == "title" && raw.title.empty()) {
      raw.title = AtomPlain(c);
    } else if (name == "id" && raw.guid.empty()) {
      raw.guid = std::string(Trim(DirectText(c)));
    } else if ((name == "published" || name == "issued" || name == "created") &&
               raw.published.empty()) {
      raw.published = DirectText(c);
    } else if ((name == "updated" || name == "modified") && raw.updated.empty()) {
      raw.updated = DirectText(c);
    } else if (name == "summary" && raw.summary_html.empty()) {
      raw.summary_html = AtomMarkup(c);
      if (!html_node) html_node = c;
    } else if (name == "content" && raw.content_html.empty()) {
      if (c.attribute("src")) {
        content_src = c;
      } else {
        raw.content_html = AtomMarkup(c);
        html_node = c;
      }
    } else if (name == "category") {
      const std::string_view label = c.attribute("label").value();
      raw.categories.emplace_back(label.empty() ? c.attribute("term").value() : label);
    } else if (name == "link") {
      const std::string_view rel = c.attribute("rel").value();
      if (rel == "enclosure") {
        AddEnclosure(raw, c, "href", "length");
      } else if ((rel.empty() || rel == "alternate") && !alternate) {
        alternate = c;
      }
    }
  });
  for (pugi::xml_node m : media) ReadMedia(m, raw, html_node);
  pugi::xml_node link = alternate ? alternate : content_src;
  if (link) {
    raw.link = link.attribute(alternate ? "href" : "src").value();
    raw.link_base = BaseFor(link, nullptr);
  } else {
    raw.link_base = BaseFor(entry, nullptr);
  }
  raw.authors = AtomAuthors(entry);
  if (raw.authors.empty()) {
    ForEachChildElement(entry, [&](pugi::xml_node c) {
      if (IsAtom(NamespaceOf(c)) && LocalName(c) == "source") raw.authors = AtomAuthors(c);
    });
  }
  bool declared = false;
  const std::string html_base = BaseFor(html_node ? html_node : entry, &declared);
  if (declared) raw.html_base = html_base;
  raw.language = InheritedLang(html_node ? html_node : entry);
  return raw;
}

void Reader::Read(pugi::xml_node root, std::vector<std::string>& notes) {
  base_ = StripUrlNoise(context_.base_url);
  const std::string_view root_name = LocalName(root);
  const std::string_view root_ns = NamespaceOf(root);
  if (root_name == "feed") {
    atom_ = true;
    feed_ns_ = root_ns;
    const bool v03 = SameNs(root_ns, kAtom03Ns) || std::string_view(root.attribute("version").value()) == "0.3";
    out_.format = v03 ? "atom03" : "atom10";
    if (root_ns != kAtomNs && root_ns != kAtom03Ns) {
      notes.push_back(root_ns.empty() ? "Atom feed without the Atom namespace"
                                      : "wrong Atom namespace " + std::string(root_ns));
    }
    ReadAtomMeta(root);
    ForEachChildElement(root, [this](pugi::xml_node c) {
      if (LocalName(c) == "entry" && IsAtom(NamespaceOf(c))) entries_.push_back(c);
    });
    return;
  }
  pugi::xml_node channel = root;
  if (!EqualsNoCase(root_name, "channel")) {
    channel = pugi::xml_node();
    ForEachChildElement(root, [&channel](pugi::xml_node c) {
      if (!channel && EqualsNoCase(LocalName(c), "channel")) channel = c;
    });
  }
  if (root_name == "RDF") {
    feed_ns_ = channel ? NamespaceOf(channel) : std::string_view(kRss10Ns);
    out_.format = SameNs(feed_ns_, kRss090Ns) ? "rss09x" : "rss10";
    if (feed_ns_ != kRss10Ns && feed_ns_ != kRss090Ns) {
      notes.push_back("wrong RSS namespace " + feed_ns_);
    }
  } else {
    const std::string_view version = Trim(root.attribute("version").value());
    out_.format = version.starts_with("0.9") ? "rss09x" : "rss20";
    // RSS 2.0 has no namespace, yet feeds declare one as the default
    // (http://backend.userland.com/rss2, .../rss, cyber.harvard.edu's
    // spec URL): whatever the root is in is RSS.
    feed_ns_ = root_ns;
  }
  if (channel) ReadRssMeta(channel);
  // RSS 2.0 nests items in the channel; RSS 0.90 and 1.0 put them beside it.
  for (pugi::xml_node parent : {channel, root}) {
    if (!parent || (parent == root && root == channel)) continue;
    ForEachChildElement(parent, [this](pugi::xml_node c) {
      if (EqualsNoCase(LocalName(c), "item") && IsCore(NamespaceOf(c))) entries_.push_back(c);
    });
  }
}

std::vector<RawItem> Reader::ReadEntries(std::size_t count) {
  std::vector<RawItem> raws;
  for (std::size_t i = 0; i < count && i < entries_.size() && raws.size() < context_.max_items * 2; ++i) {
    raws.push_back(atom_ ? ReadAtomEntry(entries_[i]) : ReadRssItem(entries_[i]));
  }
  return raws;
}

}  // namespace

Result<XmlOutcome> ParseXmlFeed(std::string_view doc, const Context& context) {
  pugi::xml_document xml;
  // parse_ws_pcdata: the space in xhtml "<b>one</b> <i>two</i>" is content.
  const pugi::xml_parse_result parsed = xml.load_buffer(
      doc.data(), doc.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  const std::string xml_error = std::string("xml: ") + parsed.description() + " at offset " +
                                std::to_string(parsed.offset);
  const pugi::xml_node root = xml.document_element();
  if (!root) return Error{"not a feed: " + xml_error, ErrorCode::kInvalidArgument};
  const std::string_view root_name = LocalName(root);
  if (!EqualsNoCase(root_name, "rss") && root_name != "RDF" && root_name != "feed" &&
      !EqualsNoCase(root_name, "channel")) {
    if (EqualsNoCase(root_name, "html")) return Error{"not a feed: HTML page", ErrorCode::kInvalidArgument};
    return Error{"not a feed: root element <" + std::string(root.name()) + ">", ErrorCode::kInvalidArgument};
  }

  XmlOutcome outcome;
  ParsedFeed& out = outcome.feed;
  for (pugi::xml_node n = root.next_sibling(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_element) {
      outcome.notes.push_back("content after the root element ignored");
      break;
    }
  }
  if (std::string prefix = UndeclaredPrefix(root); !prefix.empty()) {
    outcome.notes.push_back("undeclared namespace prefix " + prefix + ":");
  }
  Reader reader(context, out);
  reader.Read(root, outcome.notes);
  std::vector<pugi::xml_node>& entries = reader.entries();
  if (!parsed) {
    outcome.well_formed = false;
    outcome.notes.insert(outcome.notes.begin(), xml_error);
    if (!entries.empty() && !ClosedBefore(entries.back(), doc, parsed.offset)) entries.pop_back();
  }
  NormaliseMeta(out.meta, reader.feed());
  AddItems(reader.ReadEntries(entries.size()), reader.feed(), context, out);
  if (out.items.empty() && parsed) {
    if (std::string unread = UnreadEntries(root); !unread.empty()) outcome.notes.push_back(unread);
  }
  return outcome;
}

}  // namespace redwire::parse::internal
