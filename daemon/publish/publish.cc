#include "daemon/publish/publish.h"

#include "daemon/publish/internal.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include <pugixml.hpp>

namespace redwire::publish {
namespace {

constexpr const char* kAtomNs = "http://www.w3.org/2005/Atom";
constexpr const char* kGenerator = "redwire";

// RFC 3339 needs a four-digit year, so times outside 0001..9999 are clamped.
constexpr UnixTime kMinTime = -62135596800;  // 0001-01-01T00:00:00Z
constexpr UnixTime kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

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
  AddText(node, "updated", Rfc3339(updated));
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
  if (item.published != 0) AddText(entry, "published", Rfc3339(item.published));
  AddText(entry, "updated", Rfc3339(updated));

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

std::string Age(UnixTime t, UnixTime now) {
  const UnixTime d = now - t;
  if (d < 0) {
    // Planned times (next poll) are in the future on purpose.
    const UnixTime ahead = -d;
    if (ahead < 120) return "in " + std::to_string(ahead) + " s";
    if (ahead < 2 * 3600) return "in " + std::to_string(ahead / 60) + " min";
    if (ahead < 2 * 86400) return "in " + std::to_string(ahead / 3600) + " h";
    return "in " + std::to_string(ahead / 86400) + " days";
  }
  if (d < 120) return std::to_string(d) + " s ago";
  if (d < 2 * 3600) return std::to_string(d / 60) + " min ago";
  if (d < 2 * 86400) return std::to_string(d / 3600) + " h ago";
  return std::to_string(d / 86400) + " days ago";
}

std::string TimeTag(UnixTime t) {
  const std::string stamp = Html(Rfc3339(t));
  return "<time datetime=\"" + stamp + "\">" + stamp + "</time>";
}

std::string When(UnixTime t, UnixTime now) { return TimeTag(t) + " (" + Html(Age(t, now)) + ")"; }

std::string FetchOutcome(const IndexSource& source, UnixTime now) {
  if (source.scrape_pending) return "<span class=\"pending\">" + Html("scrape pending — no feed") + "</span>";
  if (!source.state) return "<span class=\"pending\">never fetched</span>";
  const store::SourceState& st = *source.state;
  // The poller records a new source's first planned poll before it fetches.
  if (st.last_attempt == 0 && st.next_due != 0)
    return "<span class=\"pending\">never fetched</span><br>next poll: " + When(st.next_due, now);
  const bool failing = st.consecutive_failures > 0;
  std::string out = "<span class=\"" + std::string(failing ? "bad" : "good") + "\">" +
                    Html(st.last_outcome.empty() ? "unknown" : st.last_outcome) + "</span>";
  if (st.last_status > 0) out += " · HTTP " + Html(std::to_string(st.last_status));
  out += "<br>last success: ";
  out += st.last_success != 0 ? When(st.last_success, now) : "never";
  if (st.last_attempt != 0) out += "<br>last attempt: " + When(st.last_attempt, now);
  if (!st.last_error.empty()) out += "<br>error: " + Html(st.last_error);
  if (failing) out += "<br>consecutive failures: " + Html(std::to_string(st.consecutive_failures));
  if (st.gone && st.gone_url == source.url) {
    return out + "<br><span class=\"bad\">" +
           Html("gone (HTTP 410): not polled until the source's URL changes in the config") + "</span>";
  }
  if (!st.moved_to.empty() && st.moved_from == source.url) {
    out += "<br>moved permanently to <code>" + Html(st.moved_to) + "</code> (polled instead)";
  }
  if (st.last_bytes > 0 || st.last_elapsed_ms > 0) {
    out += "<br>last fetch: " + Html(std::to_string(st.last_bytes)) + " bytes, " +
           Html(std::to_string(st.last_elapsed_ms)) + " ms";
  }
  if (st.items_seen > 0 || st.items_new > 0) {
    out += "<br>items: " + Html(std::to_string(st.items_seen)) + " in feed, " + Html(std::to_string(st.items_new)) +
           " new";
  }
  if (st.next_due != 0) out += "<br>next poll: " + When(st.next_due, now);
  return out;
}

constexpr const char* kIndexCss =
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;"
    "color:#222;line-height:1.4}"
    "h1{color:#b00}code{background:#f4f4f4;padding:0 .25rem;word-break:break-all}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}"
    ".good{color:#060}.bad{color:#b00;font-weight:bold}.pending{color:#777}";

}  // namespace

std::string Rfc3339(UnixTime t) {
  const std::time_t clamped = static_cast<std::time_t>(std::clamp(t, kMinTime, kMaxTime));
  std::tm tm{};
  gmtime_r(&clamped, &tm);
  char buf[80];  // room for any int fields, so the formatter never truncates
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

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
  AddText(root, "updated", Rfc3339(newest != 0 ? newest : feed.generated_at));
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

std::string RenderIndex(const std::string& base_url, const std::vector<IndexTopic>& topics,
                        const std::vector<IndexSource>& sources, UnixTime now) {
  const auto topic_url = [&](const IndexTopic& t) { return base_url + "/topics/" + PercentEncode(t.id) + ".atom"; };
  const auto source_url = [&](const IndexSource& s) { return base_url + "/sources/" + PercentEncode(s.id) + ".atom"; };
  const std::string all_url = base_url + "/all.atom";

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>redwire</title>\n";
  h += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + Html("All items") + "\" href=\"" +
       Html(all_url) + "\">\n";
  for (const auto& t : topics) {
    h += "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" + Html(t.title) + "\" href=\"" +
         Html(topic_url(t)) + "\">\n";
  }
  h += "<style>" + std::string(kIndexCss) + "</style>\n</head>\n<body>\n<h1>redwire</h1>\n";
  h += "<p>Generated " + TimeTag(now) + ".</p>\n";

  h += "<h2>Topics</h2>\n";
  if (topics.empty()) {
    h += "<p>No topics are configured.</p>\n";
  } else {
    h += "<ul>\n";
    for (const auto& t : topics) {
      const std::string url = topic_url(t);
      h += "<li><a href=\"" + Html(url) + "\">" + Html(t.title) + "</a> <code>" + Html(url) + "</code></li>\n";
    }
    h += "</ul>\n";
  }

  h += "<h2>All items</h2>\n<p><a href=\"" + Html(all_url) + "\">" + Html("All items") + "</a> <code>" +
       Html(all_url) + "</code></p>\n";

  h += "<h2>Sources</h2>\n<table>\n<thead><tr><th>Name</th><th>Id</th><th>Feed</th><th>Last fetch</th></tr></thead>\n<tbody>\n";
  for (const auto& s : sources) {
    h += "<tr><td>";
    // Only web links are clickable; anything else is shown as text.
    if (IsWebUrl(s.url)) {
      h += "<a href=\"" + Html(s.url) + "\">" + Html(s.name) + "</a>";
    } else {
      h += Html(s.name);
    }
    const std::string feed = source_url(s);
    h += "</td><td><code>" + Html(s.id) + "</code></td><td><a href=\"" + Html(feed) + "\">" + Html(feed) +
         "</a></td><td>" + FetchOutcome(s, now) + "</td></tr>\n";
  }
  h += "</tbody>\n</table>\n</body>\n</html>\n";
  return h;
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
