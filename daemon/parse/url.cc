// URLs: RFC 3986 resolution and the canonical form used for ids and dedup.
#include <algorithm>
#include <cctype>

#include "daemon/parse/internal.h"

namespace redwire::parse {
namespace {

using internal::EqualsNoCase;
using internal::IsAlpha;
using internal::IsDigit;
using internal::StripUrlNoise;
using internal::ToLowerAscii;
using internal::Trim;

struct UrlParts {
  std::string_view scheme;
  std::string_view authority;
  std::string_view path;
  std::string_view query;
  std::string_view fragment;
  bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
};

// RFC 3986 appendix B.
UrlParts SplitUrl(std::string_view s) {
  UrlParts u;
  std::size_t i = 0;
  while (i < s.size() && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#') ++i;
  if (i < s.size() && s[i] == ':' && i > 0 && IsAlpha(s[0])) {
    const std::string_view scheme = s.substr(0, i);
    const bool valid = std::all_of(scheme.begin(), scheme.end(), [](char c) {
      return IsAlpha(c) || IsDigit(c) || c == '+' || c == '-' || c == '.';
    });
    if (valid) {
      u.scheme = scheme;
      u.has_scheme = true;
      s.remove_prefix(i + 1);
    }
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    std::size_t end = 0;
    while (end < s.size() && s[end] != '/' && s[end] != '?' && s[end] != '#') ++end;
    u.authority = s.substr(0, end);
    u.has_authority = true;
    s.remove_prefix(end);
  }
  if (const std::size_t hash = s.find('#'); hash != std::string_view::npos) {
    u.fragment = s.substr(hash + 1);
    u.has_fragment = true;
    s = s.substr(0, hash);
  }
  if (const std::size_t q = s.find('?'); q != std::string_view::npos) {
    u.query = s.substr(q + 1);
    u.has_query = true;
    s = s.substr(0, q);
  }
  u.path = s;
  return u;
}

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view in) {
  // Most paths have no "." or ".." segment, and come out as they are.
  if (!in.starts_with('.') && in.find("/.") == std::string_view::npos) return std::string(in);
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      const std::size_t slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      const std::size_t next = in.find('/', in.front() == '/' ? 1 : 0);
      const std::size_t n = next == std::string_view::npos ? in.size() : next;
      out.append(in.substr(0, n));
      in.remove_prefix(n);
    }
  }
  return out;
}

// Appends scheme:[//authority]path[?query] to `out`.
void Recompose(std::string& out, std::string_view scheme, bool has_authority,
               std::string_view authority, std::string_view path, bool has_query,
               std::string_view query) {
  out.reserve(out.size() + scheme.size() + authority.size() + path.size() + query.size() + 4);
  if (!scheme.empty()) {
    out.append(scheme);
    out += ':';
  }
  if (has_authority) {
    out += "//";
    out.append(authority);
  }
  out.append(path);
  if (has_query) {
    out += '?';
    out.append(query);
  }
}

// `url` without surrounding spaces, tabs and line breaks (StripUrlNoise),
// copied into `storage` only when there is noise inside.
std::string_view WithoutUrlNoise(std::string_view url, std::string& storage) {
  url = Trim(url);
  if (std::none_of(url.begin(), url.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; })) {
    return url;
  }
  storage = internal::StripUrlNoise(url);
  return storage;
}

void UppercasePercentEscapes(std::string& s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '%' && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      s[i + 1] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i + 1])));
      s[i + 2] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i + 2])));
    }
  }
}

bool IsTrackingParameter(std::string_view param) {
  const std::string name = ToLowerAscii(param.substr(0, param.find('=')));
  return name.starts_with("utm_") || name == "fbclid" || name == "gclid";
}

// Appends "#fragment" of a reference, if it has one.
void AppendFragment(std::string& out, const UrlParts& r) {
  if (r.has_fragment) {
    out += '#';
    out.append(r.fragment);
  }
}

}  // namespace

namespace internal {

// Browsers ignore tabs and newlines anywhere in a URL and surrounding spaces;
// feeds rely on it (links wrapped across lines).
std::string StripUrlNoise(std::string_view url) {
  url = Trim(url);
  std::string out(url);
  std::erase_if(out, [](char c) { return c == '\t' || c == '\n' || c == '\r'; });
  return out;
}

bool HasWebScheme(std::string_view url) {
  const UrlParts u = SplitUrl(url);
  return u.has_scheme && (EqualsNoCase(u.scheme, "http") || EqualsNoCase(u.scheme, "https"));
}

// A link as published: absolute, http(s) only (a javascript: item link
// would become a live link in our own output).
std::string WebLink(std::string_view base, std::string_view ref) {
  std::string cleaned = StripUrlNoise(ref);
  if (cleaned.find(' ') != std::string::npos) {
    std::string encoded;
    for (char c : cleaned) {
      if (c == ' ') {
        encoded += "%20";  // a space inside a link as typed
      } else {
        encoded += c;
      }
    }
    cleaned = std::move(encoded);
  }
  if (cleaned.empty()) return {};
  std::string url = base.empty() ? cleaned : ResolveUrl(base, cleaned);
  return HasWebScheme(url) ? CleanText(url) : std::string();
}

std::optional<std::string> UrlScheme(std::string_view url) {
  const UrlParts u = SplitUrl(url);
  if (!u.has_scheme) return std::nullopt;
  return ToLowerAscii(u.scheme);
}

}  // namespace internal

std::string CanonicalUrl(std::string_view url) {
  const std::string cleaned = StripUrlNoise(url);
  const UrlParts u = SplitUrl(cleaned);
  if (!u.has_scheme || !u.has_authority || u.authority.empty()) return std::string(url);

  const std::string scheme = ToLowerAscii(u.scheme);
  std::string_view authority = u.authority;
  std::string userinfo;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = std::string(authority.substr(0, at + 1));
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  std::string canonical_host = ToLowerAscii(host);
  if (canonical_host.size() > 1 && canonical_host.back() == '.') canonical_host.pop_back();
  const bool default_port = port.empty() || (scheme == "http" && port == "80") ||
                            (scheme == "https" && port == "443");
  std::string canonical_authority = userinfo + canonical_host;
  if (!default_port) {
    canonical_authority += ':';
    canonical_authority.append(port);
  }

  std::string path = RemoveDotSegments(u.path);
  if (path.empty()) path.push_back('/');
  UppercasePercentEscapes(path);

  std::string query;
  std::size_t start = 0;
  while (u.has_query && start <= u.query.size()) {
    std::size_t amp = u.query.find('&', start);
    if (amp == std::string_view::npos) amp = u.query.size();
    const std::string_view param = u.query.substr(start, amp - start);
    if (!param.empty() && !IsTrackingParameter(param)) {
      if (!query.empty()) query += '&';
      query.append(param);
    }
    start = amp + 1;
  }
  UppercasePercentEscapes(query);
  std::string out;
  Recompose(out, scheme, true, canonical_authority, path, !query.empty(), query);
  return out;
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  std::string r_storage, b_storage;
  const std::string_view r_text = WithoutUrlNoise(ref, r_storage);
  const std::string_view b_text = WithoutUrlNoise(base, b_storage);
  const UrlParts r = SplitUrl(r_text);
  const UrlParts b = SplitUrl(b_text);
  std::string out;
  if (r.has_scheme) {
    Recompose(out, r.scheme, r.has_authority, r.authority, RemoveDotSegments(r.path),
              r.has_query, r.query);
    AppendFragment(out, r);
    return out;
  }
  if (!b.has_scheme) return std::string(r_text);

  std::string_view authority = b.authority;
  bool has_authority = b.has_authority;
  std::string path;
  std::string_view query = b.query;
  bool has_query = b.has_query;
  if (r.has_authority) {
    authority = r.authority;
    has_authority = true;
    path = RemoveDotSegments(r.path);
    query = r.query;
    has_query = r.has_query;
  } else if (r.path.empty()) {
    path = std::string(b.path);
    if (r.has_query) {
      query = r.query;
      has_query = true;
    }
  } else {
    if (r.path.front() == '/') {
      path = RemoveDotSegments(r.path);
    } else {
      // RFC 3986 section 5.2.3, merge.
      std::string merged;
      if (b.has_authority && b.path.empty()) {
        merged = "/";
        merged.append(r.path);
      } else {
        const std::size_t slash = b.path.rfind('/');
        merged = (slash == std::string_view::npos ? std::string()
                                                  : std::string(b.path.substr(0, slash + 1))) +
                 std::string(r.path);
      }
      path = RemoveDotSegments(merged);
    }
    query = r.query;
    has_query = r.has_query;
  }
  Recompose(out, b.scheme, has_authority, authority, path, has_query, query);
  AppendFragment(out, r);
  return out;
}

}  // namespace redwire::parse
