// The `redwire parse` contract: the normalised model as JSON, or a
// readable summary for operators.
#include "daemon/parse/internal.h"
#include "util/json.h"
#include "util/time.h"

namespace redwire::parse {
namespace {


// Writes `"key": value` members with indentation; empty strings are null.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void Open(char bracket) {
    out_ += bracket;
    ++depth_;
    first_ = true;
  }
  void Close(char bracket) {
    --depth_;
    if (!first_) Newline();
    out_ += bracket;
    first_ = false;
  }
  void Key(std::string_view key) {
    Next();
    util::AppendJsonString(out_, key);
    out_ += ": ";
  }
  void Next() {
    if (!first_) out_ += ',';
    Newline();
    first_ = false;
  }
  void String(std::string_view s) {
    if (s.empty()) {
      out_ += "null";
    } else {
      util::AppendJsonString(out_, s);
    }
  }
  void Date(UnixTime t) {
    if (t == 0) {
      out_ += "null";
    } else {
      util::AppendJsonString(out_, util::FormatRfc3339(t));
    }
  }
  void Raw(std::string_view s) { out_ += s; }

 private:
  void Newline() {
    out_ += '\n';
    out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
  }
  std::string& out_;
  int depth_ = 0;
  bool first_ = true;
};

void WriteItem(JsonWriter& w, const Item& item) {
  w.Next();
  w.Open('{');
  w.Key("id"), w.String(item.id);
  w.Key("guid"), w.String(item.guid);
  w.Key("title"), w.String(item.title);
  w.Key("link"), w.String(item.link);
  // A first-seen time is the reader's clock, not the feed's: null here.
  w.Key("published"), w.Date(item.date_is_first_seen ? 0 : item.published);
  w.Key("updated"), w.Date(item.date_is_first_seen ? 0 : item.updated);
  w.Key("date_flag"), w.String(item.date_is_first_seen ? "first_seen" : "");
  w.Key("author"), w.String(item.author);
  w.Key("summary"), w.String(item.summary);
  w.Key("content"), w.String(item.content);
  w.Key("categories");
  w.Open('[');
  for (const std::string& c : item.categories) {
    w.Next();
    w.String(c);
  }
  w.Close(']');
  w.Key("enclosures");
  w.Open('[');
  for (const Enclosure& e : item.enclosures) {
    w.Next();
    w.Open('{');
    w.Key("url"), w.String(e.url);
    w.Key("type"), w.String(e.type);
    w.Key("length"), w.Raw(e.length > 0 ? std::to_string(e.length) : "null");
    w.Close('}');
  }
  w.Close(']');
  w.Key("language"), w.String(item.language);
  w.Close('}');
}

std::string Shorten(std::string_view text, std::size_t max) {
  std::string s(text);
  if (s.size() <= max) return s;
  internal::TruncateUtf8(s, max);
  return s + "\xE2\x80\xA6";
}

}  // namespace

std::string ToJson(const ParsedFeed& feed) {
  std::string out;
  JsonWriter w(out);
  w.Open('{');
  w.Key("format"), w.String(feed.format);
  w.Key("encoding"), w.String(feed.encoding);
  w.Key("bozo"), w.Raw(feed.bozo ? "true" : "false");
  w.Key("bozo_reason"), w.String(feed.bozo ? feed.bozo_reason : "");
  w.Key("feed");
  w.Open('{');
  w.Key("title"), w.String(feed.meta.title);
  w.Key("link"), w.String(feed.meta.link);
  w.Key("id"), w.String(feed.meta.id);
  w.Key("subtitle"), w.String(feed.meta.subtitle);
  w.Key("language"), w.String(feed.meta.language);
  w.Key("updated"), w.Date(feed.meta.updated);
  w.Key("author"), w.String(feed.meta.author);
  w.Key("hub"), w.String(feed.meta.hub);
  w.Key("self"), w.String(feed.meta.self);
  w.Key("ttl_seconds"), w.Raw(feed.meta.ttl_seconds > 0 ? std::to_string(feed.meta.ttl_seconds) : "null");
  w.Close('}');
  w.Key("items");
  w.Open('[');
  for (const Item& item : feed.items) WriteItem(w, item);
  w.Close(']');
  w.Close('}');
  out += '\n';
  return out;
}

std::string ToSummary(const ParsedFeed& feed) {
  std::string out;
  auto line = [&out](std::string_view label, std::string_view value) {
    if (value.empty()) return;
    out.append(label);
    out += ": ";
    out.append(value);
    out += '\n';
  };
  line("format", feed.format);
  line("encoding", feed.encoding);
  line("bozo", feed.bozo ? feed.bozo_reason : "");
  line("title", feed.meta.title);
  line("link", feed.meta.link);
  line("subtitle", Shorten(feed.meta.subtitle, 160));
  line("language", feed.meta.language);
  line("updated", feed.meta.updated != 0 ? util::FormatRfc3339(feed.meta.updated) : "");
  line("author", feed.meta.author);
  line("self", feed.meta.self);
  line("hub", feed.meta.hub);
  line("ttl", feed.meta.ttl_seconds > 0 ? std::to_string(feed.meta.ttl_seconds) + " s" : "");
  out += "items: " + std::to_string(feed.items.size()) + "\n";
  for (const Item& item : feed.items) {
    out += "\n";
    out += item.date_is_first_seen ? std::string("(no date)           ") : util::FormatRfc3339(item.published) + " ";
    out += Shorten(item.title, 120) + "\n";
    line("  link", item.link);
    if (item.id != item.link) line("  id", item.id);
    line("  author", item.author);
    std::string categories;
    for (const std::string& c : item.categories) categories += (categories.empty() ? "" : ", ") + c;
    line("  categories", categories);
    for (const Enclosure& e : item.enclosures) line("  enclosure", e.url + (e.type.empty() ? "" : " (" + e.type + ")"));
    line("  text", Shorten(!item.summary_text.empty() ? item.summary_text : item.content_text, 160));
  }
  return out;
}

Result<std::string> Inspect(std::string_view body, const Context& context, bool json) {
  auto parsed = ParseFeed(body, context);
  if (!parsed.ok()) {
    if (parsed.error().message != "not a feed: HTML page") return parsed.error();
    ParsedFeed page;
    page.format = "html";
    page.encoding = internal::DecodeToUtf8(body, context.content_type).encoding;
    page.bozo = true;
    page.bozo_reason = parsed.error().message;
    return json ? ToJson(page) : ToSummary(page);
  }
  return json ? ToJson(parsed.value()) : ToSummary(parsed.value());
}

}  // namespace redwire::parse
