#include "util/json.h"

#include "util/utf8.h"

namespace redwire::util {

void AppendJsonString(std::string& out, std::string_view s, JsonEscape escape) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool html = escape == JsonEscape::kHtmlSafe;
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      char32_t cp = 0;
      const std::size_t n = Utf8SequenceLength(s, i, &cp);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else if (html && (cp == 0x2028 || cp == 0x2029)) {
        out += cp == 0x2028 ? "\\u2028" : "\\u2029";
        i += n;
      } else {
        out.append(s, i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f || (html && c == '<')) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string JsonString(std::string_view s, JsonEscape escape) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(out, s, escape);
  return out;
}

std::optional<nlohmann::json> ParseJson(std::string_view text, std::size_t max_depth) {
  // The callback sees every value as it is read: a container opened past the
  // limit fails the parse before anything below it is built.
  bool too_deep = false;
  const nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t event,
                                                      nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<std::size_t>(depth) >= max_depth) {
      too_deep = true;
    }
    return !too_deep;
  };
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), limit, /*allow_exceptions=*/false);
  if (too_deep || doc.is_discarded()) return std::nullopt;
  return doc;
}

}  // namespace redwire::util
