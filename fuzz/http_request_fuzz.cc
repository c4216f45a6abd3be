// The embedded HTTP server's request parser (ParseRequestHead, the code
// every connection runs on the bytes it received). An accepted request must
// be one the rest of the server can trust: a token method, a target and
// path without control bytes or NUL, bytes past ASCII only in the query and
// only as well-formed UTF-8, lower-case token header names and
// header values without CR, LF or NUL (no response splitting through
// anything echoed back).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/http/server.h"
#include "fuzz/safe_html.h"

namespace {

using redwire::fuzz::Violated;

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

bool HasControl(std::string_view s, bool allow_tab) {
  for (unsigned char c : s) {
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7F) return true;
  }
  return false;
}

// Strict UTF-8 (RFC 3629), written apart from the server's own check.
bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 1;
    std::uint32_t cp = c;
    if (c >= 0x80) {
      if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
      else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
      else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
      else return false;
      if (i + len > s.size()) return false;
      for (std::size_t k = 1; k < len; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (d & 0x3F);
      }
      if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
      }
    }
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const redwire::http::RequestHead head = redwire::http::ParseRequestHead(bytes);
  if (head.error != 0) {
    if (head.error < 400 || head.error > 599) Violated("a non-error status for a refused request", std::to_string(head.error), bytes);
    return 0;
  }
  const redwire::http::Request& r = head.request;
  if (!IsToken(r.method)) Violated("a method that is not a token", r.method, bytes);
  if (r.target.empty() || r.target[0] != '/' || HasControl(r.target, false) || r.target.find(' ') != std::string::npos) {
    Violated("a bad target", r.target, bytes);
  }
  const std::string_view before_query = std::string_view(r.target).substr(0, r.target.find('?'));
  for (unsigned char c : before_query) {
    if (c >= 0x80) Violated("a byte past ASCII before the query", r.target, bytes);
  }
  if (!IsUtf8(r.target)) Violated("a target that is not UTF-8", r.target, bytes);
  if (r.path.find('\0') != std::string::npos) Violated("a NUL in the path", r.path, bytes);
  if (r.path.empty() || r.path[0] != '/') Violated("a path not starting with /", r.path, bytes);
  for (const auto& [name, value] : r.headers) {
    if (!IsToken(name)) Violated("a header name that is not a token", name, bytes);
    for (char c : name) {
      if (c >= 'A' && c <= 'Z') Violated("a header name not lower-cased", name, bytes);
    }
    if (HasControl(value, true)) Violated("a control byte in a header value", name, bytes);
  }
  (void)r.header("host");
  return 0;
}
