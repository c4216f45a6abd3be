#include "daemon/publish/publish.h"

#include "daemon/publish/internal.h"
#include "util/time.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include <pugixml.hpp>

namespace redwire::publish {
namespace {

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
constexpr const char* kGenerator = "redwire";

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when the bytes
// are not well-formed (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t Utf8Sequence(const std::string& s, std::size_t i, char32_t& cp) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t len = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The store should only hold clean text, but the published document must be
// well-formed XML 1.0 whatever reached the database: pugixml writes C0
// controls as &#01; and passes invalid UTF-8 through, both of which break
// readers. Invalid bytes become U+FFFD; characters XML forbids are dropped.
std::string XmlSafe(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t len = Utf8Sequence(s, i, cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
    if (allowed) out.append(s, i, len);
    i += len;
  }
  return out;
}

// An absolute IRI starts with a scheme (RFC 3987 / 3986 section 3.1) and
// contains nothing a URI reference may never hold.
bool IsAbsoluteIri(const std::string& s) {
  const std::size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  const auto alpha = [](unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!alpha(s[0])) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const unsigned char c = s[i];
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' ||
        c == '|' || c == '\\' || c == '^' || c == '`') {
      return false;
    }
  }
  return true;
}

std::string EntryId(const store::StoredItem& stored) {
  const Item& item = stored.item;
  if (IsAbsoluteIri(item.id)) return item.id;
  // An empty NSS is not a valid URN, so fall back to the store's row id.
  const std::string local = item.id.empty() ? "row-" + std::to_string(stored.row_id) : item.id;
  return "urn:redwire:" + PercentEncode(item.source_id) + ":" + PercentEncode(local);
}

// A BCP 47 tag is letters, digits and hyphens; anything else is not emitted.
bool IsLanguageTag(const std::string& s) {
  if (s.empty() || s.size() > 35) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

UnixTime EntryUpdated(const store::StoredItem& stored, UnixTime fallback) {
  if (stored.item.updated != 0) return stored.item.updated;
  if (stored.item.published != 0) return stored.item.published;
  if (stored.first_seen != 0) return stored.first_seen;
  return fallback;
}

void AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  parent.append_child(name).text().set(XmlSafe(text).c_str());
}

void AddAttr(pugi::xml_node node, const char* name, const std::string& value) {
  node.append_attribute(name).set_value(XmlSafe(value).c_str());
}

void AddLink(pugi::xml_node parent, const char* rel, const std::string& href, const char* type = nullptr) {
  pugi::xml_node link = parent.append_child("link");
  link.append_attribute("rel").set_value(rel);
  if (type != nullptr) link.append_attribute("type").set_value(type);
  AddAttr(link, "href", href);
}

void AddSource(pugi::xml_node entry, const SourceInfo& source, const std::string& source_id,
               UnixTime updated) {
  pugi::xml_node node = entry.append_child("source");
  const std::string id = !source.id.empty() ? source.id : source_id;
  AddText(node, "id", !source.feed_url.empty() ? source.feed_url : "urn:redwire:source:" + PercentEncode(id));
  AddText(node, "title", !source.title.empty() ? source.title : id);
  if (!source.feed_url.empty()) AddLink(node, "self", source.feed_url);
  if (IsWebUrl(source.site_link)) AddLink(node, "alternate", source.site_link, "text/html");
  // The source's own feed updated time is not kept; the entry's is a lower
  // bound for it.
  AddText(node, "updated", util::FormatRfc3339(updated));
}

void AddEntry(pugi::xml_node feed, const store::StoredItem& stored, const SourceInfo& source,
              UnixTime fallback_time) {
  const Item& item = stored.item;
  const UnixTime updated = EntryUpdated(stored, fallback_time);
  const std::string link = IsWebUrl(item.link) ? item.link : std::string();
  pugi::xml_node entry = feed.append_child("entry");
  if (IsLanguageTag(item.language)) AddAttr(entry, "xml:lang", item.language);
  AddText(entry, "id", EntryId(stored));
  pugi::xml_node title = entry.append_child("title");
  title.append_attribute("type").set_value("text");
  title.text().set(XmlSafe(item.title).c_str());
  if (!link.empty()) AddLink(entry, "alternate", link, "text/html");
  if (item.published != 0) AddText(entry, "published", util::FormatRfc3339(item.published));
  AddText(entry, "updated", util::FormatRfc3339(updated));

  // RFC 4287 4.1.1: every entry needs an author when the feed has none.
  std::string author = item.author;
  if (author.empty()) author = !source.title.empty() ? source.title : item.source_id;
  entry.append_child("author").append_child("name").text().set(XmlSafe(author).c_str());

  // An entry without an alternate link must carry atom:content (4.1.2).
  const bool content_required = link.empty() && item.content.empty();
  if (!item.summary.empty() && !content_required) {
    pugi::xml_node summary = entry.append_child("summary");
    summary.append_attribute("type").set_value("html");
    summary.text().set(XmlSafe(item.summary).c_str());
  }
  if (!item.content.empty() || content_required) {
    pugi::xml_node content = entry.append_child("content");
    content.append_attribute("type").set_value("html");
    content.text().set(XmlSafe(!item.content.empty() ? item.content : item.summary).c_str());
  }
  for (const std::string& category : item.categories) {
    if (category.empty()) continue;
    AddAttr(entry.append_child("category"), "term", category);
  }
  for (const Enclosure& enclosure : item.enclosures) {
    if (!IsWebUrl(enclosure.url)) continue;
    pugi::xml_node node = entry.append_child("link");
    node.append_attribute("rel").set_value("enclosure");
    AddAttr(node, "href", enclosure.url);
    if (!enclosure.type.empty()) AddAttr(node, "type", enclosure.type);
    if (enclosure.length > 0) node.append_attribute("length").set_value(static_cast<long long>(enclosure.length));
  }
  // Other sources that carried the same story (store dedup clusters).
  for (const store::Via& via : stored.via) {
    if (!IsWebUrl(via.link)) continue;
    pugi::xml_node node = entry.append_child("link");
    node.append_attribute("rel").set_value("via");
    AddAttr(node, "href", via.link);
    AddAttr(node, "title", via.source_id);
  }
  AddSource(entry, source, item.source_id, updated);
}

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, std::size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

// The one escaper for everything the index shows, text and attributes alike.
std::string Html(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderAtom(const FeedInfo& feed, const std::vector<store::StoredItem>& items,
                       const SourceLookup& source_of) {
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("utf-8");

  UnixTime newest = 0;
  for (const auto& stored : items) newest = std::max(newest, EntryUpdated(stored, feed.generated_at));

  pugi::xml_node root = doc.append_child("feed");
  root.append_attribute("xmlns").set_value(kAtomNs);
  AddText(root, "id", feed.id);
  pugi::xml_node title = root.append_child("title");
  title.append_attribute("type").set_value("text");
  title.text().set(XmlSafe(feed.title).c_str());
  AddText(root, "updated", util::FormatRfc3339(newest != 0 ? newest : feed.generated_at));
  AddLink(root, "self", feed.self_url, "application/atom+xml");
  if (!feed.alternate_url.empty()) AddLink(root, "alternate", feed.alternate_url, "text/html");
  if (!feed.hub_url.empty()) AddLink(root, "hub", feed.hub_url);
  // RFC 5005 section 3: a paged feed links its neighbours.
  if (!feed.first_url.empty()) AddLink(root, "first", feed.first_url, "application/atom+xml");
  if (!feed.previous_url.empty()) AddLink(root, "previous", feed.previous_url, "application/atom+xml");
  if (!feed.next_url.empty()) AddLink(root, "next", feed.next_url, "application/atom+xml");
  root.append_child("generator").text().set(kGenerator);

  for (const auto& stored : items) {
    const SourceInfo source = source_of ? source_of(stored.item.source_id) : SourceInfo{stored.item.source_id, {}, {}, {}};
    AddEntry(root, stored, source, feed.generated_at);
  }

  StringWriter writer;
  doc.save(writer, "  ", pugi::format_indent, pugi::encoding_utf8);
  return std::move(writer.out);
}

std::string XmlText(const std::string& s) { return XmlSafe(s); }
std::string EntryIdOf(const store::StoredItem& stored) { return EntryId(stored); }
UnixTime EntryUpdatedOf(const store::StoredItem& stored, UnixTime fallback) {
  return EntryUpdated(stored, fallback);
}
std::string HtmlText(const std::string& s) { return Html(s); }
bool IsBcp47Tag(const std::string& s) { return IsLanguageTag(s); }
std::string PathSegment(const std::string& s) { return PercentEncode(s); }

bool IsWebUrl(const std::string& url) {
  const auto starts = [&](const char* prefix) {
    const std::string p(prefix);
    if (url.size() < p.size()) return false;
    return std::equal(p.begin(), p.end(), url.begin(), [](char a, char b) {
      return a == std::tolower(static_cast<unsigned char>(b));
    });
  };
  return starts("http://") || starts("https://");
}

namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace redwire::publish
