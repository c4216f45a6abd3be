// JSON string literals, for the JSON redwire writes by hand: the parse
// contract, /status.json, the command line's --json and the store's list
// columns. (JSON Feed output escapes more, for browsers; see publish.)
#pragma once

#include <string>
#include <string_view>

namespace redwire {

// Appends `s` as a JSON string literal. Bytes that are not valid UTF-8
// become U+FFFD, so the document stays valid JSON whatever a site sent;
// controls and DEL are escaped.
inline void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  // Length of the valid UTF-8 sequence at i, or 0 (overlong forms,
  // surrogates and code points past U+10FFFF are invalid).
  const auto sequence = [&](std::size_t i) -> std::size_t {
    const unsigned char c = byte(i);
    const std::size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80) return 0;
    }
    if (n == 2 && c < 0xc2) return 0;
    if (n == 3 && ((c == 0xe0 && byte(i + 1) < 0xa0) || (c == 0xed && byte(i + 1) >= 0xa0))) return 0;
    if (n == 4 && ((c == 0xf0 && byte(i + 1) < 0x90) || c > 0xf4 || (c == 0xf4 && byte(i + 1) >= 0x90))) return 0;
    return n;
  };
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = byte(i);
    if (c >= 0x80) {
      const std::size_t n = sequence(i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
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
        if (c < 0x20 || c == 0x7f) {
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

inline std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(out, s);
  return out;
}

}  // namespace redwire
