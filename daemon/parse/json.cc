// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), on a small
// RFC 8259 reader: the module needs only to read documents of a few MB.
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {
namespace {

constexpr int kMaxDepth = 64;

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<Json> array;
  struct Member;  // a key and its value; defined below, once Json is complete
  std::vector<Member> object;

  // A member of an object; a null value when absent or not an object.
  const Json& operator[](std::string_view key) const;
  // Strings as they are, numbers as integers where they are whole.
  std::string AsString() const {
    if (type == Type::kString) return text;
    if (type == Type::kNumber && std::isfinite(number)) {
      char buffer[32];
      if (number == std::floor(number) && std::fabs(number) < 1e18) {
        std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(number));
      } else {
        std::snprintf(buffer, sizeof buffer, "%.17g", number);
      }
      return buffer;
    }
    return {};
  }
};

// A struct rather than std::pair<std::string, Json>: libstdc++'s pair
// checks its members' traits when instantiated, which needs Json complete,
// and clang (unlike g++) rejects the cycle inside Json's own definition.
struct Json::Member {
  std::string key;
  Json value;
};

const Json& Json::operator[](std::string_view key) const {
  static const Json kNull;
  for (const auto& [k, v] : object) {
    if (k == key) return v;
  }
  return kNull;
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  // The document's value, or an error with the offset where it went wrong.
  Result<Json> ReadDocument() {
    Json value;
    if (!ReadValue(value, 0)) return Error{"json: " + error_ + " at offset " + std::to_string(i_), ErrorCode::kInvalidArgument};
    SkipSpace();
    if (i_ != s_.size()) return Error{"json: trailing data at offset " + std::to_string(i_), ErrorCode::kInvalidArgument};
    return value;
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Fail(const char* why) {
    error_ = why;
    return false;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return Fail("unexpected character");
    i_ += word.size();
    return true;
  }

  bool ReadValue(Json& out, int depth) {
    if (depth > kMaxDepth) return Fail("nested too deeply");
    SkipSpace();
    if (i_ >= s_.size()) return Fail("unexpected end");
    const char c = s_[i_];
    if (c == '{') return ReadObject(out, depth);
    if (c == '[') return ReadArray(out, depth);
    if (c == '"') {
      out.type = Json::Type::kString;
      return ReadString(out.text);
    }
    if (c == 't' || c == 'f') {
      out.type = Json::Type::kBool;
      out.boolean = c == 't';
      return Literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') return Literal("null");
    return ReadNumber(out);
  }

  bool ReadNumber(Json& out) {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && (IsDigit(s_[i_]) || s_[i_] == '.' || s_[i_] == 'e' ||
                              s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-')) {
      ++i_;
    }
    if (i_ == start) return Fail("unexpected character");
    const std::string number(s_.substr(start, i_ - start));
    char* end = nullptr;
    out.number = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return Fail("bad number");
    out.type = Json::Type::kNumber;
    return true;
  }

  bool ReadHex4(char32_t& cp) {
    if (i_ + 4 > s_.size()) return Fail("bad \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = AsciiLower(s_[i_++]);
      int digit;
      if (IsDigit(h)) {
        digit = h - '0';
      } else if (h >= 'a' && h <= 'f') {
        digit = h - 'a' + 10;
      } else {
        return Fail("bad \\u escape");
      }
      cp = cp * 16 + static_cast<char32_t>(digit);
    }
    return true;
  }

  bool ReadString(std::string& out) {
    ++i_;  // the opening quote
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      if (++i_ >= s_.size()) break;
      const char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          char32_t cp;
          if (!ReadHex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            i_ += 2;
            char32_t low;
            if (!ReadHex4(low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              AppendUtf8(out, 0xFFFD);
              cp = low;
            }
          }
          // A lone surrogate is not a character: U+FFFD in its place.
          AppendUtf8(out, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
    return Fail("unterminated string");
  }

  bool ReadArray(Json& out, int depth) {
    out.type = Json::Type::kArray;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    while (true) {
      out.array.emplace_back();
      if (!ReadValue(out.array.back(), depth + 1)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return Fail("expected , or ]");
    }
  }

  bool ReadObject(Json& out, int depth) {
    out.type = Json::Type::kObject;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return Fail("expected a member name");
      std::string key;
      if (!ReadString(key)) return false;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return Fail("expected :");
      ++i_;
      out.object.push_back({std::move(key), Json()});
      if (!ReadValue(out.object.back().value, depth + 1)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      return Fail("expected , or }");
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string error_;
};

// Authors of a JSON Feed 1.1 "authors" array or a 1.0 "author" object.
std::vector<std::string> Authors(const Json& parent) {
  std::vector<std::string> out;
  for (const Json& a : parent["authors"].array) {
    if (!a["name"].AsString().empty()) out.push_back(a["name"].AsString());
  }
  const Json& author = parent["author"];
  // Some generators write the 1.0 author as a plain string.
  const std::string name = author.type == Json::Type::kString ? author.AsString() : author["name"].AsString();
  if (out.empty() && !name.empty()) out.push_back(name);
  return out;
}

std::string EscapedText(const std::string& text) {
  std::string out;
  AppendEscaped(out, text, false);
  return out;
}

}  // namespace

Result<ParsedFeed> ParseJsonFeed(std::string_view doc, const Context& context) {
  auto parsed = JsonReader(doc).ReadDocument();
  if (!parsed.ok()) return Error{"not a feed: " + parsed.error().message, ErrorCode::kInvalidArgument};
  const Json& root = parsed.value();
  // Generators (WordPress plugins among them) also write the version URL
  // with "http:"; it names the same format.
  const std::string version = root["version"].AsString();
  if (root.type != Json::Type::kObject || (!version.starts_with("https://jsonfeed.org/version/") &&
                                           !version.starts_with("http://jsonfeed.org/version/"))) {
    return Error{"not a feed: JSON without a JSON Feed version", ErrorCode::kInvalidArgument};
  }
  ParsedFeed out;
  out.format = version.ends_with("/1.1") ? "json11" : "json10";
  std::string base = StripUrlNoise(context.base_url);
  out.meta.self = WebLink(base, root["feed_url"].AsString());
  if (base.empty()) base = out.meta.self;
  out.meta.link = WebLink(base, root["home_page_url"].AsString());
  if (base.empty()) base = out.meta.link;
  out.meta.id = !out.meta.self.empty() ? out.meta.self : out.meta.link;
  out.meta.title = root["title"].AsString();
  out.meta.subtitle = root["description"].AsString();
  for (const Json& hub : root["hubs"].array) {
    if (out.meta.hub.empty()) out.meta.hub = WebLink(base, hub["url"].AsString());
  }
  RawFeed feed;
  feed.language = root["language"].AsString();
  feed.authors = Authors(root);

  std::vector<RawItem> raws;
  for (const Json& entry : root["items"].array) {
    if (raws.size() >= context.max_items * 2) break;
    if (entry.type != Json::Type::kObject) continue;
    RawItem raw;
    raw.guid = entry["id"].AsString();
    raw.link = entry["url"].AsString();
    if (raw.link.empty()) raw.link = entry["external_url"].AsString();
    raw.link_base = base;
    raw.title = entry["title"].AsString();
    raw.content_html = entry["content_html"].AsString();
    if (raw.content_html.empty()) raw.content_html = EscapedText(entry["content_text"].AsString());
    raw.summary_html = EscapedText(entry["summary"].AsString());
    raw.published = entry["date_published"].AsString();
    raw.updated = entry["date_modified"].AsString();
    raw.authors = Authors(entry);
    for (const Json& tag : entry["tags"].array) raw.categories.push_back(tag.AsString());
    raw.language = entry["language"].AsString();
    for (const Json& a : entry["attachments"].array) {
      Enclosure e;
      e.url = WebLink(base, a["url"].AsString());
      if (e.url.empty()) continue;
      e.type = a["mime_type"].AsString();
      // Converting a double outside int64's range is undefined behaviour
      // (a size of 1e300 is one JSON number away), so the range is checked
      // first; 2^63 is exact as a double and the first value out of range.
      const Json& size = a["size_in_bytes"];
      e.length = size.type == Json::Type::kNumber && size.number > 0 && size.number < 0x1p63
                     ? static_cast<std::int64_t>(size.number)
                     : 0;
      raw.enclosures.push_back(std::move(e));
    }
    for (const char* key : {"image", "banner_image"}) {
      Enclosure e;
      e.url = WebLink(base, entry[key].AsString());
      e.type = "image";
      if (!e.url.empty()) raw.enclosures.push_back(std::move(e));
    }
    raws.push_back(std::move(raw));
  }
  NormaliseMeta(out.meta, feed);
  AddItems(std::move(raws), feed, context, out);
  return out;
}

}  // namespace redwire::parse::internal
