// JSON Feed 1.1, written by hand: the document is small and flat, and the
// one escaper below is the only way a value reaches the output.
#include <string>

#include "daemon/publish/internal.h"
#include "util/time.h"
#include "daemon/publish/publish.h"

namespace redwire::publish {
namespace {

// A JSON string literal of valid UTF-8 (XmlText has already replaced invalid
// bytes). Controls are \u-escaped; so are U+2028 and U+2029, which some
// JavaScript parsers still treat as line ends, and '<', so the bytes stay
// harmless if a browser is talked into reading them as HTML.
std::string Quote(const std::string& raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::string s = XmlText(raw);
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                    static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

// Appends `"key": value` to an object under construction.
class Object {
 public:
  void Raw(const char* key, const std::string& json) {
    out_ += first_ ? "{" : ",";
    first_ = false;
    out_ += Quote(key);
    out_ += ':';
    out_ += json;
  }
  void String(const char* key, const std::string& value) { Raw(key, Quote(value)); }
  void StringIfAny(const char* key, const std::string& value) {
    if (!value.empty()) String(key, value);
  }
  std::string Close() { return (first_ ? "{" : out_) + "}"; }

 private:
  std::string out_;
  bool first_ = true;
};

std::string Array(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ',';
    out += elements[i];
  }
  return out + "]";
}

std::string ItemJson(const store::StoredItem& stored, const SourceInfo& source, UnixTime fallback) {
  const Item& item = stored.item;
  Object o;
  o.String("id", EntryIdOf(stored));
  if (IsWebUrl(item.link)) o.String("url", item.link);
  o.String("title", item.title);
  // One of content_html / content_text must be present (spec, "items").
  if (!item.content.empty()) {
    o.String("content_html", item.content);
  } else if (!item.summary.empty()) {
    o.String("content_html", item.summary);
  } else {
    o.String("content_text", item.content_text);
  }
  o.StringIfAny("summary", item.summary_text);
  if (item.published != 0) o.String("date_published", util::FormatRfc3339(item.published));
  o.String("date_modified", util::FormatRfc3339(EntryUpdatedOf(stored, fallback)));
  Object author;
  author.String("name", !item.author.empty() ? item.author
                                             : (!source.title.empty() ? source.title : item.source_id));
  o.Raw("authors", Array({author.Close()}));
  std::vector<std::string> tags;
  for (const std::string& category : item.categories) {
    if (!category.empty()) tags.push_back(Quote(category));
  }
  if (!tags.empty()) o.Raw("tags", Array(tags));
  if (IsBcp47Tag(item.language)) o.String("language", item.language);
  std::vector<std::string> attachments;
  for (const Enclosure& enclosure : item.enclosures) {
    if (!IsWebUrl(enclosure.url)) continue;
    Object a;
    a.String("url", enclosure.url);
    a.String("mime_type", !enclosure.type.empty() ? enclosure.type : "application/octet-stream");
    if (enclosure.length > 0) a.Raw("size_in_bytes", std::to_string(enclosure.length));
    attachments.push_back(a.Close());
  }
  if (!attachments.empty()) o.Raw("attachments", Array(attachments));
  // The origin, as atom:source carries it; "_" marks an extension (spec).
  Object origin;
  origin.String("id", !source.id.empty() ? source.id : item.source_id);
  origin.StringIfAny("title", source.title);
  origin.StringIfAny("feed_url", source.feed_url);
  if (IsWebUrl(source.site_link)) origin.String("home_page_url", source.site_link);
  o.Raw("_redwire_source", origin.Close());
  return o.Close();
}

}  // namespace

std::string RenderJsonFeed(const FeedInfo& feed, const std::vector<store::StoredItem>& items,
                           const SourceLookup& source_of) {
  Object o;
  o.String("version", "https://jsonfeed.org/version/1.1");
  o.String("title", feed.title);
  o.StringIfAny("home_page_url", feed.alternate_url);
  o.StringIfAny("feed_url", feed.self_url);
  o.StringIfAny("next_url", feed.next_url);
  if (!feed.hub_url.empty()) {
    Object hub;
    hub.String("type", "WebSub");
    hub.String("url", feed.hub_url);
    o.Raw("hubs", Array({hub.Close()}));
  }
  std::vector<std::string> entries;
  entries.reserve(items.size());
  for (const auto& stored : items) {
    const SourceInfo source =
        source_of ? source_of(stored.item.source_id) : SourceInfo{stored.item.source_id, {}, {}, {}};
    entries.push_back(ItemJson(stored, source, feed.generated_at));
  }
  o.Raw("items", Array(entries));
  return o.Close() + "\n";
}

}  // namespace redwire::publish
