#include "daemon/parse/parse.h"

#include <gumbo.h>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <pugixml.hpp>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace redwire::parse {
namespace {

constexpr std::size_t kTitleCap = 1024;
constexpr std::size_t kShortFieldCap = 1024;  // author, category, guid
constexpr std::size_t kLanguageCap = 64;
constexpr std::size_t kSummaryCap = 64 * 1024;
constexpr std::size_t kContentCap = 512 * 1024;
// Raw HTML beyond this multiple of a field's cap cannot survive sanitising
// anyway; cutting it first keeps gumbo's work bounded on 10 MB descriptions.
constexpr std::size_t kRawHtmlFactor = 4;
constexpr std::size_t kMaxItems = 500;
constexpr std::size_t kMaxCategories = 64;
constexpr std::size_t kHashSummaryPrefix = 200;
constexpr UnixTime kFutureSlack = 24 * 60 * 60;
// gumbo checks element scopes by scanning its stack of open elements, so
// nesting depth d costs O(d) per tag: 100 000 nested <div> take half a minute.
constexpr int kMaxHtmlDepth = 256;
constexpr int kGumboMaxErrors = 100;

constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

// ---------------------------------------------------------------- text

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsNoCase(s.substr(0, prefix.size()), prefix);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid
// (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i, char32_t* cp_out) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len;
  char32_t cp;
  char32_t min;
  if (c < 0x80) {
    *cp_out = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *cp_out = cp;
  return len;
}

// Valid XML 1.0 character data: invalid UTF-8 becomes U+FFFD; C0 controls
// (except tab, LF, CR) and the non-characters U+FFFE/U+FFFF are dropped.
std::string CleanText(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    char32_t cp = 0;
    const std::size_t len = Utf8SequenceLength(in, i, &cp);
    if (len == 0) {
      out += kReplacementChar;
      ++i;
      continue;
    }
    const bool control = cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r';
    if (!control && cp != 0xFFFE && cp != 0xFFFF) out.append(in.substr(i, len));
    i += len;
  }
  return out;
}

// Cuts valid UTF-8 to at most `max` bytes without splitting a character.
void TruncateUtf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

// Collapses every run of whitespace (including U+00A0) into one space and
// trims: for titles, authors and categories, which are single-line.
std::string CollapseSpaces(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool pending = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const bool nbsp = in[i] == '\xC2' && i + 1 < in.size() && in[i + 1] == '\xA0';
    if (IsAsciiSpace(in[i]) || nbsp) {
      pending = true;
      if (nbsp) ++i;
      continue;
    }
    if (pending && !out.empty()) out += ' ';
    pending = false;
    out += in[i];
  }
  return out;
}

std::string ShortField(std::string_view raw, std::size_t cap) {
  std::string s = CollapseSpaces(CleanText(raw));
  TruncateUtf8(s, cap);
  return s;
}

void AppendEscaped(std::string& out, std::string_view text, bool attribute) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += attribute ? ">" : "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      default: out += c;
    }
  }
}

// ---------------------------------------------------------------- charset

std::string_view AttributeValueAfter(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string_view::npos) {
    std::size_t i = pos + key.size();
    while (i < text.size() && IsAsciiSpace(text[i])) ++i;
    if (i < text.size() && text[i] == '=') {
      ++i;
      while (i < text.size() && IsAsciiSpace(text[i])) ++i;
      const char quote = i < text.size() && (text[i] == '"' || text[i] == '\'') ? text[i] : 0;
      if (quote != 0) ++i;
      const std::size_t start = i;
      while (i < text.size() && (quote != 0 ? text[i] != quote
                                            : !IsAsciiSpace(text[i]) && text[i] != ';')) {
        ++i;
      }
      return text.substr(start, i - start);
    }
    pos += key.size();
  }
  return {};
}

// The document's charset, by the precedence of RFC 7303 section 3.2: a byte
// order mark, then the HTTP charset, then the XML declaration; else UTF-8.
std::string DetectCharset(std::string_view body, std::string_view content_type) {
  if (body.starts_with("\xEF\xBB\xBF")) return "utf-8";
  if (body.starts_with("\xFF\xFE")) return "utf-16le";
  if (body.starts_with("\xFE\xFF")) return "utf-16be";
  const std::string type = ToLowerAscii(content_type);
  if (std::string_view http = AttributeValueAfter(type, "charset"); !http.empty()) {
    return std::string(http);
  }
  const std::string_view head = Trim(body.substr(0, 256));
  if (head.starts_with("<?xml")) {
    const std::string_view decl = head.substr(0, head.find("?>"));
    if (std::string_view declared = AttributeValueAfter(decl, "encoding"); !declared.empty()) {
      return ToLowerAscii(declared);
    }
  }
  return "utf-8";
}

// Converts to UTF-8 with iconv. Undecodable bytes become U+FFFD; an unknown
// charset leaves the bytes as they are, for CleanText to repair.
std::string ToUtf8(std::string_view body, const std::string& charset) {
  if (charset == "utf-8" || charset == "utf8" || charset == "us-ascii") return std::string(body);
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::string(body);
  const std::size_t unit = charset.starts_with("utf-16") ? 2 : 1;
  std::string out;
  out.reserve(body.size() * 2);
  std::array<char, 4096> chunk;
  char* in = const_cast<char*>(body.data());  // iconv's API is not const-correct
  std::size_t in_left = body.size();
  while (in_left > 0) {
    char* dst = chunk.data();
    std::size_t dst_left = chunk.size();
    const std::size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
    out.append(chunk.data(), chunk.size() - dst_left);
    if (rc == static_cast<std::size_t>(-1) && errno != E2BIG) {
      out += kReplacementChar;
      const std::size_t skip = std::min(unit, in_left);
      in += skip;
      in_left -= skip;
    }
  }
  iconv_close(cd);
  return out;
}

// ---------------------------------------------------------------- entities

// HTML named entities that XML lacks but real feeds use without a DTD.
const std::unordered_map<std::string_view, char32_t>& HtmlEntities() {
  static const auto table = [] {
    // Latin-1 supplement in code point order, starting at U+00A0.
    static constexpr std::array<std::string_view, 96> kLatin1 = {
        "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",
        "uml",    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",
        "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",  "para",   "middot",
        "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest",
        "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
        "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",
        "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",
        "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",
        "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
        "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
        "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
        "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};
    // Greek letters from U+0391 and U+03B1 (U+03A2 is unassigned; its
    // lower-case slot is final sigma).
    static constexpr std::array<std::string_view, 25> kGreekUpper = {
        "Alpha", "Beta", "Gamma", "Delta",   "Epsilon", "Zeta",  "Eta", "Theta", "Iota",
        "Kappa", "Lambda", "Mu",  "Nu",      "Xi",      "Omicron", "Pi", "Rho",  "",
        "Sigma", "Tau",  "Upsilon", "Phi",   "Chi",     "Psi",   "Omega"};
    static constexpr std::array<std::string_view, 25> kGreekLower = {
        "alpha", "beta", "gamma", "delta",   "epsilon", "zeta",  "eta", "theta", "iota",
        "kappa", "lambda", "mu",  "nu",      "xi",      "omicron", "pi", "rho",  "sigmaf",
        "sigma", "tau",  "upsilon", "phi",   "chi",     "psi",   "omega"};
    static constexpr std::pair<std::string_view, char32_t> kOther[] = {
        {"OElig", 338},   {"oelig", 339},   {"Scaron", 352},  {"scaron", 353},
        {"Yuml", 376},    {"fnof", 402},    {"circ", 710},    {"tilde", 732},
        {"ensp", 8194},   {"emsp", 8195},   {"thinsp", 8201}, {"zwnj", 8204},
        {"zwj", 8205},    {"lrm", 8206},    {"rlm", 8207},    {"ndash", 8211},
        {"mdash", 8212},  {"lsquo", 8216},  {"rsquo", 8217},  {"sbquo", 8218},
        {"ldquo", 8220},  {"rdquo", 8221},  {"bdquo", 8222},  {"dagger", 8224},
        {"Dagger", 8225}, {"bull", 8226},   {"hellip", 8230}, {"permil", 8240},
        {"prime", 8242},  {"Prime", 8243},  {"lsaquo", 8249}, {"rsaquo", 8250},
        {"oline", 8254},  {"frasl", 8260},  {"euro", 8364},   {"trade", 8482},
        {"larr", 8592},   {"uarr", 8593},   {"rarr", 8594},   {"darr", 8595},
        {"harr", 8596},   {"minus", 8722},  {"infin", 8734},  {"asymp", 8776},
        {"ne", 8800},     {"le", 8804},     {"ge", 8805},     {"loz", 9674},
        {"spades", 9824}, {"clubs", 9827},  {"hearts", 9829}, {"diams", 9830}};
    std::unordered_map<std::string_view, char32_t> map;
    for (std::size_t i = 0; i < kLatin1.size(); ++i) map.emplace(kLatin1[i], 0xA0 + i);
    for (std::size_t i = 0; i < kGreekUpper.size(); ++i) {
      if (!kGreekUpper[i].empty()) map.emplace(kGreekUpper[i], 0x391 + i);
      map.emplace(kGreekLower[i], 0x3B1 + i);
    }
    for (const auto& [name, cp] : kOther) map.emplace(name, cp);
    return map;
  }();
  return table;
}

bool IsXmlChar(char32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool IsDroppedControl(unsigned char c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

// Rewrites the reference starting at in[i] == '&' into something pugixml
// reads as the author meant; returns the number of input bytes consumed.
std::size_t RewriteReference(std::string_view in, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  if (j < in.size() && in[j] == '#') {
    ++j;
    const bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
    if (hex) ++j;
    const std::size_t digits_start = j;
    std::uint64_t value = 0;
    while (j < in.size() && j - digits_start < 8) {
      const char c = in[j];
      int digit;
      if (IsDigit(c)) {
        digit = c - '0';
      } else if (hex && AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f') {
        digit = AsciiLower(c) - 'a' + 10;
      } else {
        break;
      }
      value = value * (hex ? 16 : 10) + digit;
      ++j;
    }
    if (j > digits_start && j < in.size() && in[j] == ';') {
      // &#0; would truncate pugixml's string; other non-XML characters
      // would make our stored text invalid XML.
      if (IsXmlChar(static_cast<char32_t>(value))) out.append(in.substr(i, j + 1 - i));
      return j + 1 - i;
    }
    out += "&amp;";
    return 1;
  }
  while (j < in.size() && j - i <= 32 && (IsAlpha(in[j]) || (j > i + 1 && IsDigit(in[j])))) ++j;
  if (j > i + 1 && j < in.size() && in[j] == ';') {
    const std::string_view name = in.substr(i + 1, j - i - 1);
    if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
      out.append(in.substr(i, j + 1 - i));
    } else if (auto it = HtmlEntities().find(name); it != HtmlEntities().end()) {
      out += "&#" + std::to_string(static_cast<std::uint32_t>(it->second)) + ";";
    } else {
      out += "&amp;";
      out.append(name);
      out += ';';
    }
    return j + 1 - i;
  }
  out += "&amp;";
  return 1;
}

// Copies in[i..] through `terminator` verbatim (minus control characters);
// returns the index after it, or in.size() when it never comes.
std::size_t CopyThrough(std::string_view in, std::size_t i, std::string_view terminator,
                        std::string& out) {
  std::size_t end = in.find(terminator, i);
  end = end == std::string_view::npos ? in.size() : end + terminator.size();
  for (std::size_t k = i; k < end; ++k) {
    if (!IsDroppedControl(static_cast<unsigned char>(in[k]))) out += in[k];
  }
  return end;
}

// Repairs the common breakages pugixml would reject or mis-read: junk before
// the first '<', HTML named entities, bare '&', control characters. CDATA
// sections and comments are copied as they are.
std::string PrepareXml(std::string_view body) {
  const std::size_t start = body.find('<');
  if (start == std::string_view::npos) return {};
  const std::string_view in = body.substr(start);
  std::string out;
  out.reserve(in.size() + in.size() / 16);
  std::size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (c == '<' && in.compare(i, 9, "<![CDATA[") == 0) {
      i = CopyThrough(in, i, "]]>", out);
    } else if (c == '<' && in.compare(i, 4, "<!--") == 0) {
      i = CopyThrough(in, i, "-->", out);
    } else if (c == '&') {
      i += RewriteReference(in, i, out);
    } else {
      if (!IsDroppedControl(static_cast<unsigned char>(c))) out += c;
      ++i;
    }
  }
  return out;
}

// True when the document, past its prolog, opens with an HTML doctype or an
// <html> element: a web page served where a feed was expected.
bool LooksLikeHtmlPage(std::string_view doc) {
  std::size_t i = 0;
  while (i < doc.size()) {
    while (i < doc.size() && IsAsciiSpace(doc[i])) ++i;
    const std::string_view rest = doc.substr(i);
    if (rest.starts_with("<?")) {
      const std::size_t end = rest.find("?>");
      if (end == std::string_view::npos) return false;
      i += end + 2;
    } else if (rest.starts_with("<!--")) {
      const std::size_t end = rest.find("-->");
      if (end == std::string_view::npos) return false;
      i += end + 3;
    } else {
      if (StartsWithNoCase(rest, "<!doctype html")) return true;
      return StartsWithNoCase(rest, "<html") &&
             (rest.size() == 5 || IsAsciiSpace(rest[5]) || rest[5] == '>');
    }
  }
  return false;
}

// ---------------------------------------------------------------- dates

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil), so no local time zone is ever consulted.
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

unsigned DaysInMonth(int year, int month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

struct DateParts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int offset_seconds = 0;  // east of UTC
};

std::optional<UnixTime> ToUnix(const DateParts& p) {
  if (p.year < 1 || p.year > 9999 || p.month < 1 || p.month > 12) return std::nullopt;
  if (p.day < 1 || static_cast<unsigned>(p.day) > DaysInMonth(p.year, p.month)) return std::nullopt;
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return std::nullopt;
  const int second = std::min(p.second, 59);  // a leap second
  return DaysFromCivil(p.year, p.month, p.day) * 86400 + p.hour * 3600 + p.minute * 60 +
         second - p.offset_seconds;
}

// Reads exactly `n` digits at s[*i].
bool ReadDigits(std::string_view s, std::size_t* i, std::size_t n, int* value) {
  if (*i + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (!IsDigit(s[*i + k])) return false;
    v = v * 10 + (s[*i + k] - '0');
  }
  *i += n;
  *value = v;
  return true;
}

// "+hh:mm", "+hhmm", "+hh" or "+h"; the whole of `s` must be consumed.
std::optional<int> NumericZone(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const int sign = s[0] == '-' ? -1 : 1;
  std::string digits;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (IsDigit(s[i])) {
      digits += s[i];
    } else if (s[i] != ':' || i != 3) {
      return std::nullopt;
    }
  }
  int hours;
  int minutes = 0;
  if (digits.size() <= 2) {
    hours = std::stoi(digits);
  } else if (digits.size() == 4) {
    hours = std::stoi(digits.substr(0, 2));
    minutes = std::stoi(digits.substr(2));
  } else {
    return std::nullopt;
  }
  if (hours > 18 || minutes > 59) return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

std::optional<UnixTime> ParseIsoDate(std::string_view s) {
  DateParts p;
  std::size_t i = 0;
  if (!ReadDigits(s, &i, 4, &p.year)) return std::nullopt;
  p.month = 1;
  p.day = 1;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!ReadDigits(s, &i, 2, &p.month)) return std::nullopt;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!ReadDigits(s, &i, 2, &p.day)) return std::nullopt;
    }
  }
  if (i < s.size() && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
    ++i;
    if (!ReadDigits(s, &i, 2, &p.hour) || i >= s.size() || s[i] != ':') return std::nullopt;
    ++i;
    if (!ReadDigits(s, &i, 2, &p.minute)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!ReadDigits(s, &i, 2, &p.second)) return std::nullopt;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        const std::size_t frac = i;
        while (i < s.size() && IsDigit(s[i])) ++i;
        if (i == frac) return std::nullopt;
      }
    }
    while (i < s.size() && s[i] == ' ') ++i;
    const std::string_view zone = s.substr(i);
    if (zone == "Z" || zone == "z") {
      i = s.size();
    } else if (!zone.empty()) {
      const auto offset = NumericZone(zone);
      if (!offset) return std::nullopt;
      p.offset_seconds = *offset;
      i = s.size();
    }
  }
  if (i != s.size()) return std::nullopt;
  return ToUnix(p);
}

// Month from an English name or abbreviation, or a Greek abbreviation as
// Greek party sites print them (Ιαν, Φεβ, Μαρ...); 0 when unknown.
int MonthFromName(std::string_view token) {
  static constexpr std::string_view kEnglish[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  static constexpr std::string_view kEnglishFull[] = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  const std::string lower = ToLowerAscii(token);
  for (int m = 0; m < 12; ++m) {
    if (lower == kEnglish[m] || lower == kEnglishFull[m]) return m + 1;
  }
  if (lower == "sept") return 9;
  static constexpr std::pair<std::string_view, int> kGreek[] = {
      {"Ιαν", 1}, {"ΙΑΝ", 1}, {"Φεβ", 2}, {"ΦΕΒ", 2}, {"Μαρ", 3}, {"ΜΑΡ", 3},
      {"Απρ", 4}, {"ΑΠΡ", 4}, {"Μαΐ", 5}, {"Μαϊ", 5}, {"Μαι", 5}, {"ΜΑΪ", 5},
      {"ΜΑΙ", 5}, {"Ιουν", 6}, {"Ιούν", 6}, {"ΙΟΥΝ", 6}, {"Ιουλ", 7}, {"Ιούλ", 7},
      {"ΙΟΥΛ", 7}, {"Αυγ", 8}, {"ΑΥΓ", 8}, {"Σεπ", 9}, {"ΣΕΠ", 9}, {"Οκτ", 10},
      {"ΟΚΤ", 10}, {"Νοε", 11}, {"Νοέ", 11}, {"ΝΟΕ", 11}, {"Δεκ", 12}, {"ΔΕΚ", 12}};
  for (const auto& [name, month] : kGreek) {
    if (token == name) return month;
  }
  return 0;
}

// Offset of a zone name or numeric zone. Unknown names count as UTC, as
// RFC 5322 says of unknown military zones.
int ZoneOffset(std::string_view token) {
  static constexpr std::pair<std::string_view, int> kZones[] = {
      {"GMT", 0},   {"UT", 0},    {"UTC", 0},   {"Z", 0},     {"WET", 0},  {"EST", -5},
      {"EDT", -4},  {"CST", -6},  {"CDT", -5},  {"MST", -7},  {"MDT", -6}, {"PST", -8},
      {"PDT", -7},  {"CET", 1},   {"CEST", 2},  {"EET", 2},   {"EEST", 3}, {"MSK", 3},
      {"BST", 1},   {"WEST", 1},  {"MEZ", 1},   {"MESZ", 2}};
  if (auto numeric = NumericZone(token)) return *numeric;
  for (std::string_view prefix : {"GMT", "UTC", "UT"}) {
    if (StartsWithNoCase(token, prefix) && token.size() > prefix.size()) {
      if (auto numeric = NumericZone(token.substr(prefix.size()))) return *numeric;
    }
  }
  for (const auto& [name, hours] : kZones) {
    if (EqualsNoCase(token, name)) return hours * 3600;
  }
  return 0;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c); });
}

// "HH:MM[:SS[.frac]]", possibly with a zone glued on ("10:00:00+0200").
bool ParseClock(std::string_view token, DateParts* p, std::string_view* glued_zone) {
  std::size_t i = 0;
  const std::size_t start = i;
  while (i < token.size() && IsDigit(token[i])) ++i;
  if (i == start || i - start > 2 || i >= token.size() || token[i] != ':') return false;
  p->hour = std::stoi(std::string(token.substr(start, i - start)));
  ++i;
  if (!ReadDigits(token, &i, 2, &p->minute)) return false;
  if (i < token.size() && token[i] == ':') {
    ++i;
    if (!ReadDigits(token, &i, 2, &p->second)) return false;
    if (i < token.size() && token[i] == '.') {
      ++i;
      while (i < token.size() && IsDigit(token[i])) ++i;
    }
  }
  *glued_zone = token.substr(i);
  return true;
}

// RFC 822/1123/5322 and the usual breakage: optional or localised weekday,
// 1- or 2-digit day, 2- or 4-digit year, month-first order, missing seconds,
// named or numeric zones, glued zones, trailing "(comment)".
std::optional<UnixTime> ParseRfc822Date(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (IsAsciiSpace(s[i]) || s[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < s.size() && !IsAsciiSpace(s[i]) && s[i] != ',') ++i;
    if (i == start) continue;
    const std::string_view token = s.substr(start, i - start);
    // RFC 850 writes "05-Mar-24": split it where the middle is a month.
    const std::size_t d1 = token.find('-');
    const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('-', d1 + 1);
    if (d1 != std::string_view::npos && d1 > 0 && d2 != std::string_view::npos &&
        MonthFromName(token.substr(d1 + 1, d2 - d1 - 1)) != 0) {
      tokens.push_back(token.substr(0, d1));
      tokens.push_back(token.substr(d1 + 1, d2 - d1 - 1));
      tokens.push_back(token.substr(d2 + 1));
    } else {
      tokens.push_back(token);
    }
  }
  DateParts p;
  bool have_day = false, have_year = false, have_time = false, have_zone = false;
  for (std::string_view token : tokens) {
    if (token.empty()) continue;
    if (token.front() == '(') break;
    std::string_view glued_zone;
    if (int month = MonthFromName(token); month != 0 && p.month == 0) {
      p.month = month;
    } else if (AllDigits(token) && !have_day && token.size() <= 2) {
      p.day = std::stoi(std::string(token));
      have_day = true;
    } else if (AllDigits(token) && !have_year && (token.size() == 2 || token.size() == 4)) {
      p.year = std::stoi(std::string(token));
      // RFC 5322 section 4.3: two-digit years below 50 are in 2000-2049.
      if (token.size() == 2) p.year += p.year < 50 ? 2000 : 1900;
      if (token.size() == 4 && p.year == 0) return std::nullopt;
      have_year = true;
    } else if (!have_time && ParseClock(token, &p, &glued_zone)) {
      have_time = true;
      if (!glued_zone.empty()) {
        p.offset_seconds = ZoneOffset(glued_zone);
        have_zone = true;
      }
    } else if (have_time && (EqualsNoCase(token, "AM") || EqualsNoCase(token, "PM"))) {
      if (p.hour < 1 || p.hour > 12) return std::nullopt;
      p.hour = (p.hour % 12) + (EqualsNoCase(token, "PM") ? 12 : 0);
    } else if (have_time && !have_zone && (IsAlpha(token.front()) || token.front() == '+' ||
                                           token.front() == '-')) {
      p.offset_seconds = ZoneOffset(token);
      have_zone = true;
    } else if (p.month != 0 || have_day) {
      return std::nullopt;  // junk inside the date proper
    }
    // Anything before the day and month is a weekday, in any language.
  }
  if (!have_day || !have_year || p.month == 0) return std::nullopt;
  return ToUnix(p);
}

// ---------------------------------------------------------------- URLs

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
    const std::size_t end = s.find_first_of("/?#");
    u.authority = s.substr(0, end);
    u.has_authority = true;
    s.remove_prefix(end == std::string_view::npos ? s.size() : end);
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

std::string Recompose(std::string_view scheme, bool has_authority, std::string_view authority,
                      std::string_view path, bool has_query, std::string_view query) {
  std::string out;
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
  return out;
}

// Browsers ignore tabs and newlines anywhere in a URL and surrounding spaces;
// feeds rely on it (links wrapped across lines).
std::string StripUrlNoise(std::string_view url) {
  std::string out;
  for (char c : Trim(url)) {
    if (c != '\t' && c != '\n' && c != '\r') out += c;
  }
  return out;
}

bool HasWebScheme(std::string_view url) {
  const UrlParts u = SplitUrl(url);
  return u.has_scheme && (EqualsNoCase(u.scheme, "http") || EqualsNoCase(u.scheme, "https"));
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

// ---------------------------------------------------------------- HTML

bool IsVoidElement(std::string_view name) {
  static constexpr std::string_view kVoid[] = {"area",  "base", "br",   "col",   "embed",
                                               "hr",    "img",  "input", "link", "meta",
                                               "param", "source", "track", "wbr"};
  return std::find(std::begin(kVoid), std::end(kVoid), name) != std::end(kVoid);
}

// Removes start tags that would nest deeper than kMaxHtmlDepth before gumbo
// sees the markup. This is only for gumbo's speed: the result still goes
// through the parser and the allowlist, so a crude lexer is enough here.
std::string CapNesting(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  int depth = 0;
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      const std::size_t next = html.find('<', i);
      const std::size_t end = next == std::string_view::npos ? html.size() : next;
      out.append(html.substr(i, end - i));
      i = end;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      const std::size_t stop = end == std::string_view::npos ? html.size() : end + 3;
      out.append(html.substr(i, stop - i));
      i = stop;
      continue;
    }
    const bool closing = i + 1 < html.size() && html[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < html.size() && (IsAlpha(html[j]) || IsDigit(html[j]))) ++j;
    if (j == name_start) {
      out += '<';
      ++i;
      continue;
    }
    const std::string name = ToLowerAscii(html.substr(name_start, j - name_start));
    const std::size_t gt = html.find('>', j);
    const std::size_t end = gt == std::string_view::npos ? html.size() : gt + 1;
    const bool self_closing = gt != std::string_view::npos && gt > 0 && html[gt - 1] == '/';
    bool keep = true;
    if (closing) {
      if (!IsVoidElement(name) && depth > 0) --depth;
    } else if (!IsVoidElement(name) && !self_closing) {
      keep = depth < kMaxHtmlDepth;
      if (keep) ++depth;
    }
    if (keep) out.append(html.substr(i, end - i));
    i = end;
  }
  return out;
}

// Owns a gumbo fragment parse of `html` (which it keeps alive, since gumbo's
// tree points into it).
class HtmlFragment {
 public:
  explicit HtmlFragment(std::string_view html) : buffer_(CapNesting(html)) {
    options_ = kGumboDefaultOptions;
    options_.fragment_context = GUMBO_TAG_DIV;
    options_.max_errors = kGumboMaxErrors;
    output_ = gumbo_parse_with_options(&options_, buffer_.data(), buffer_.size());
  }
  ~HtmlFragment() {
    if (output_ != nullptr) gumbo_destroy_output(&options_, output_);
  }
  HtmlFragment(const HtmlFragment&) = delete;
  HtmlFragment& operator=(const HtmlFragment&) = delete;

  // The fragment's top-level nodes, or nullptr when gumbo failed.
  const GumboVector* Children() const {
    return output_ == nullptr ? nullptr : &output_->root->v.element.children;
  }

 private:
  std::string buffer_;
  GumboOptions options_;
  GumboOutput* output_ = nullptr;
};

bool IsElement(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

// Elements removed together with everything inside them.
bool IsDroppedWithContent(const GumboNode* node) {
  const GumboElement& e = node->v.element;
  if (e.tag_namespace != GUMBO_NAMESPACE_HTML) return true;  // svg, math and their children
  switch (e.tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED: case GUMBO_TAG_FORM: case GUMBO_TAG_INPUT: case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_TEXTAREA: case GUMBO_TAG_SELECT: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_SVG: case GUMBO_TAG_MATH: case GUMBO_TAG_BASE:
    case GUMBO_TAG_META: case GUMBO_TAG_LINK: case GUMBO_TAG_TITLE: case GUMBO_TAG_HEAD:
    case GUMBO_TAG_APPLET: case GUMBO_TAG_FRAME: case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_NOEMBED: case GUMBO_TAG_PARAM:
      return true;
    default:
      return false;
  }
}

bool IsAllowedElement(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_BR: case GUMBO_TAG_B: case GUMBO_TAG_STRONG:
    case GUMBO_TAG_I: case GUMBO_TAG_EM: case GUMBO_TAG_U: case GUMBO_TAG_S:
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_Q: case GUMBO_TAG_CITE: case GUMBO_TAG_CODE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_LI:
    case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_A: case GUMBO_TAG_IMG: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_TABLE: case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY: case GUMBO_TAG_TR: case GUMBO_TAG_TH: case GUMBO_TAG_TD:
    case GUMBO_TAG_HR: case GUMBO_TAG_SPAN: case GUMBO_TAG_DIV: case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP: case GUMBO_TAG_SMALL: case GUMBO_TAG_ABBR: case GUMBO_TAG_TIME:
      return true;
    default:
      return false;
  }
}

bool IsAllowedAttribute(GumboTag tag, std::string_view name) {
  switch (tag) {
    case GUMBO_TAG_A: return name == "href" || name == "title";
    case GUMBO_TAG_IMG:
      return name == "src" || name == "alt" || name == "title" || name == "width" ||
             name == "height";
    case GUMBO_TAG_TD: case GUMBO_TAG_TH: return name == "colspan" || name == "rowspan";
    case GUMBO_TAG_ABBR: case GUMBO_TAG_TIME: return name == "title" || name == "datetime";
    case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_Q: return name == "cite";
    default: return false;
  }
}

// A safe absolute (or, without a base, relative) URL for an attribute, or
// nullopt when the scheme is anything but http, https or mailto. gumbo has
// already decoded character references, so "jav&#x09;ascript:" arrives here
// as "jav\tascript:" and the stripping below exposes it.
std::optional<std::string> SafeUrl(std::string_view value, std::string_view base) {
  std::string probe;
  for (char c : value) {
    if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) probe += c;
  }
  std::string url;
  for (char c : Trim(value)) {
    if (c == ' ') {
      url += "%20";
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) {
      url += c;
    }
  }
  const UrlParts probe_parts = SplitUrl(probe);
  if (!probe_parts.has_scheme) {
    // A colon before the first slash that did not make a valid scheme
    // ("java script:") is ambiguous to browsers: refuse it.
    const std::size_t colon = probe.find(':');
    if (colon != std::string::npos && colon < probe.find_first_of("/?#")) return std::nullopt;
    if (base.empty()) return url;
    url = ResolveUrl(base, url);
  }
  const UrlParts parts = SplitUrl(url);
  const std::string scheme = ToLowerAscii(parts.scheme);
  if (!parts.has_scheme || (scheme != "http" && scheme != "https" && scheme != "mailto")) {
    return std::nullopt;
  }
  return url;
}

bool IsUrlAttribute(std::string_view name) { return name == "href" || name == "src" || name == "cite"; }

// Serialises allowed markup, stopping (and closing what is open) before the
// output would exceed `cap` bytes. Iterative: HTML nesting is unbounded.
std::string SanitizeCapped(std::string_view html, std::string_view base, std::size_t cap) {
  const HtmlFragment fragment(html);
  const GumboVector* top = fragment.Children();
  std::string out;
  if (top == nullptr) return out;

  struct Frame {
    const GumboNode* node;
    bool close;  // emit the end tag of node
  };
  std::vector<Frame> stack;
  for (unsigned k = top->length; k > 0; --k) {
    stack.push_back({static_cast<const GumboNode*>(top->data[k - 1]), false});
  }
  std::size_t pending_close = 0;  // bytes of end tags still owed
  bool full = false;
  auto end_tag = [](const GumboNode* n) {
    return std::string("</") + gumbo_normalized_tagname(n->v.element.tag) + ">";
  };

  while (!stack.empty()) {
    const Frame frame = stack.back();
    stack.pop_back();
    const GumboNode* node = frame.node;
    if (frame.close) {
      const std::string tag = end_tag(node);
      out += tag;
      pending_close -= tag.size();
      continue;
    }
    if (full) continue;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      const std::string_view text = node->v.text.text;
      std::string piece;
      AppendEscaped(piece, text, false);
      if (out.size() + piece.size() + pending_close <= cap) {
        out += piece;
        continue;
      }
      // Add what fits, one whole character at a time.
      std::size_t i = 0;
      while (i < text.size()) {
        char32_t cp;
        std::size_t len = Utf8SequenceLength(text, i, &cp);
        if (len == 0) len = 1;
        std::string one;
        AppendEscaped(one, text.substr(i, len), false);
        if (out.size() + one.size() + pending_close > cap) break;
        out += one;
        i += len;
      }
      full = true;
      continue;
    }
    if (!IsElement(node) || IsDroppedWithContent(node)) continue;
    const GumboElement& element = node->v.element;
    const bool allowed = IsAllowedElement(element.tag);
    if (allowed) {
      const std::string_view name = gumbo_normalized_tagname(element.tag);
      std::string start = "<" + std::string(name);
      for (unsigned k = 0; k < element.attributes.length; ++k) {
        const auto* attr = static_cast<const GumboAttribute*>(element.attributes.data[k]);
        const std::string_view attr_name = attr->name;
        if (!IsAllowedAttribute(element.tag, attr_name)) continue;
        std::string value = attr->value;
        if (IsUrlAttribute(attr_name)) {
          auto safe = SafeUrl(value, base);
          if (!safe) continue;
          value = std::move(*safe);
        } else if (attr_name == "width" || attr_name == "height" || attr_name == "colspan" ||
                   attr_name == "rowspan") {
          if (!AllDigits(value)) continue;
        }
        start += " ";
        start.append(attr_name);
        start += "=\"";
        AppendEscaped(start, CleanText(value), true);
        start += "\"";
      }
      start += ">";
      const bool is_void = IsVoidElement(name);
      const std::size_t close_size = is_void ? 0 : name.size() + 3;
      if (out.size() + start.size() + close_size + pending_close > cap) {
        full = true;
        continue;
      }
      out += start;
      if (is_void) continue;
      stack.push_back({node, true});
      pending_close += close_size;
    }
    for (unsigned k = element.children.length; k > 0; --k) {
      stack.push_back({static_cast<const GumboNode*>(element.children.data[k - 1]), false});
    }
  }
  return out;
}

bool IsBlockElement(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_BR: case GUMBO_TAG_LI:
    case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_DL: case GUMBO_TAG_DT:
    case GUMBO_TAG_DD: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
    case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_TABLE: case GUMBO_TAG_TR: case GUMBO_TAG_HR:
    case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE: case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE: case GUMBO_TAG_NAV: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_MAIN:
      return true;
    default:
      return false;
  }
}

// Collapses whitespace runs: a run holding a line break becomes "\n", any
// other run one space; U+00A0 counts as a space.
std::string CollapseText(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  bool in_run = false, run_has_newline = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const bool nbsp = in[i] == '\xC2' && i + 1 < in.size() && in[i + 1] == '\xA0';
    if (IsAsciiSpace(in[i]) || nbsp) {
      in_run = true;
      run_has_newline = run_has_newline || in[i] == '\n';
      if (nbsp) ++i;
      continue;
    }
    if (in_run && !out.empty()) out += run_has_newline ? '\n' : ' ';
    in_run = run_has_newline = false;
    out += in[i];
  }
  return out;
}

// ---------------------------------------------------------------- XML

constexpr std::string_view kAtomNs = "http://www.w3.org/2005/Atom";
constexpr std::string_view kAtom03Ns = "http://purl.org/atom/ns#";
constexpr std::string_view kDcNs = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kDcTermsNs = "http://purl.org/dc/terms/";
constexpr std::string_view kContentNs = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kRss10Ns = "http://purl.org/rss/1.0/";
constexpr std::string_view kRss090Ns = "http://my.netscape.com/rdf/simple/0.9/";
constexpr std::string_view kRdfNs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

std::string_view LocalName(pugi::xml_node node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The namespace URI of an element, found by walking up its xmlns
// declarations (pugixml has no namespace support). Undeclared but
// well-known prefixes, a frequent mistake, map to their usual URI.
std::string_view NamespaceOf(pugi::xml_node node) {
  const std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  const std::string_view prefix =
      colon == std::string_view::npos ? std::string_view() : name.substr(0, colon);
  const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  if (prefix == "dc") return kDcNs;
  if (prefix == "dcterms") return kDcTermsNs;
  if (prefix == "content") return kContentNs;
  if (prefix == "atom") return kAtomNs;
  if (prefix == "rdf") return kRdfNs;
  return {};
}

bool IsRssNs(std::string_view ns) { return ns.empty() || ns == kRss10Ns || ns == kRss090Ns; }
// Atom 1.0, Atom 0.3, or a feed that forgot its namespace.
bool IsAtomNs(std::string_view ns) { return ns.empty() || ns == kAtomNs || ns == kAtom03Ns; }

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

// An Atom text construct (RFC 4287 section 3.1) as HTML markup.
std::string AtomMarkup(pugi::xml_node node) {
  const std::string type = ToLowerAscii(node.attribute("type").value());
  if (type == "xhtml" || type == "application/xhtml+xml") {
    pugi::xml_node div;
    ForEachChildElement(node, [&div](pugi::xml_node c) {
      if (!div && LocalName(c) == "div") div = c;
    });
    return InnerMarkup(div ? div : node);
  }
  if (type == "html" || type == "text/html") return RssMarkup(node);
  std::string escaped;
  AppendEscaped(escaped, DirectText(node), false);
  return escaped;
}

// Plain text of an Atom text construct.
std::string AtomPlain(pugi::xml_node node) {
  const std::string type = ToLowerAscii(node.attribute("type").value());
  if (type.empty() || type == "text" || type == "text/plain") return DirectText(node);
  return HtmlToText(AtomMarkup(node));
}

// RSS titles are nominally plain text, yet many feeds put entity-escaped
// markup or double-escaped entities in them: decode only when it looks so.
std::string RssPlain(std::string_view text) {
  bool markup = false;
  for (std::size_t i = 0; i + 1 < text.size() && !markup; ++i) {
    if (text[i] == '<') markup = IsAlpha(text[i + 1]) || text[i + 1] == '/';
    if (text[i] == '&') {
      const std::size_t semi = text.find(';', i);
      markup = semi != std::string_view::npos && semi - i <= 10 &&
               (text[i + 1] == '#' || IsAlpha(text[i + 1]));
    }
  }
  return markup ? HtmlToText(text) : std::string(text);
}

// Resolves the xml:base declarations on `node` and its ancestors on top of
// the feed URL. Sets *declared when any was found.
std::string EffectiveBase(pugi::xml_node node, std::string_view feed_url, bool* declared) {
  std::vector<std::string_view> bases;
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute("xml:base")) bases.push_back(a.value());
  }
  std::string base(feed_url);
  for (auto it = bases.rbegin(); it != bases.rend(); ++it) {
    base = base.empty() ? StripUrlNoise(*it) : ResolveUrl(base, *it);
  }
  if (declared != nullptr) *declared = !bases.empty();
  return base;
}

std::string InheritedLang(pugi::xml_node node) {
  for (pugi::xml_node n = node; n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute("xml:lang")) return a.value();
  }
  return {};
}

// A link as published: absolute, http(s) only (a javascript: item link
// would become a live link in our own output).
std::string WebLink(std::string_view base, std::string_view ref) {
  const std::string cleaned = StripUrlNoise(ref);
  if (cleaned.empty()) return {};
  std::string url = base.empty() ? cleaned : ResolveUrl(base, cleaned);
  return HasWebScheme(url) ? CleanText(url) : std::string();
}

std::int64_t ParseLength(std::string_view s) {
  s = Trim(s);
  if (!AllDigits(s) || s.size() > 18) return 0;
  return std::stoll(std::string(s));
}

std::string Fnv1aHex(std::string_view data) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[i] = kHex[h & 0xF];
  return out;
}

// What an item says, before normalisation.
struct RawItem {
  std::string title;  // plain text already
  std::string link;   // as given, resolved later
  pugi::xml_node link_node;
  std::string guid;
  bool guid_is_permalink = true;
  std::string published;
  std::string updated;
  std::vector<std::string> authors;
  std::string summary_html;
  std::string content_html;
  std::vector<std::string> categories;
  std::vector<Enclosure> enclosures;
  std::string language;
};

struct FeedContext {
  const Context& context;
  std::string language;  // the feed's, for items without their own
  std::vector<std::string> feed_authors;
};

void AddEnclosure(RawItem& raw, pugi::xml_node node, std::string_view url_attr,
                  const Context& context) {
  const std::string base = EffectiveBase(node, context.base_url, nullptr);
  Enclosure e;
  e.url = WebLink(base, node.attribute(url_attr.data()).value());
  if (e.url.empty()) return;
  e.type = ShortField(node.attribute("type").value(), kShortFieldCap);
  e.length = ParseLength(node.attribute("length").value());
  raw.enclosures.push_back(std::move(e));
}

RawItem ReadRssItem(pugi::xml_node item, const Context& context) {
  RawItem raw;
  ForEachChildElement(item, [&](pugi::xml_node c) {
    const std::string_view ns = NamespaceOf(c);
    const std::string_view name = LocalName(c);
    if (IsRssNs(ns)) {
      if (name == "title" && raw.title.empty()) {
        raw.title = RssPlain(DirectText(c));
      } else if (name == "link" && raw.link.empty()) {
        raw.link = DirectText(c);
        raw.link_node = c;
      } else if (name == "guid" && raw.guid.empty()) {
        raw.guid = std::string(Trim(DirectText(c)));
        raw.guid_is_permalink = !EqualsNoCase(c.attribute("isPermaLink").value(), "false");
      } else if (name == "description" && raw.summary_html.empty()) {
        raw.summary_html = RssMarkup(c);
      } else if (name == "pubDate" && raw.published.empty()) {
        raw.published = DirectText(c);
      } else if (name == "author") {
        raw.authors.push_back(DirectText(c));
      } else if (name == "category") {
        raw.categories.push_back(DirectText(c));
      } else if (name == "enclosure") {
        AddEnclosure(raw, c, "url", context);
      }
    } else if (ns == kContentNs && name == "encoded" && raw.content_html.empty()) {
      raw.content_html = RssMarkup(c);
    } else if (ns == kDcNs) {
      if (name == "creator") raw.authors.push_back(DirectText(c));
      if (name == "subject") raw.categories.push_back(DirectText(c));
      if (name == "language" && raw.language.empty()) raw.language = DirectText(c);
      if (name == "date" && raw.published.empty()) raw.published = DirectText(c);
    } else if ((ns == kAtomNs && name == "updated") || (ns == kDcTermsNs && name == "modified")) {
      if (raw.updated.empty()) raw.updated = DirectText(c);
    }
  });
  if (raw.language.empty() && item.attribute("xml:lang")) raw.language = item.attribute("xml:lang").value();
  return raw;
}

std::vector<std::string> AtomAuthors(pugi::xml_node parent) {
  std::vector<std::string> authors;
  ForEachChildElement(parent, [&authors](pugi::xml_node c) {
    if (!IsAtomNs(NamespaceOf(c)) || LocalName(c) != "author") return;
    ForEachChildElement(c, [&authors](pugi::xml_node n) {
      if (LocalName(n) == "name") authors.push_back(DirectText(n));
    });
  });
  return authors;
}

// The alternate link of an Atom feed or entry (a link without rel counts).
pugi::xml_node AtomAlternate(pugi::xml_node parent) {
  pugi::xml_node found;
  ForEachChildElement(parent, [&found](pugi::xml_node c) {
    if (found || !IsAtomNs(NamespaceOf(c)) || LocalName(c) != "link") return;
    const std::string_view rel = c.attribute("rel").value();
    if (rel.empty() || rel == "alternate") found = c;
  });
  return found;
}

RawItem ReadAtomEntry(pugi::xml_node entry, const FeedContext& feed) {
  RawItem raw;
  if (pugi::xml_node link = AtomAlternate(entry)) {
    raw.link = link.attribute("href").value();
    raw.link_node = link;
  }
  ForEachChildElement(entry, [&](pugi::xml_node c) {
    if (!IsAtomNs(NamespaceOf(c))) {
      if (NamespaceOf(c) == kDcNs && LocalName(c) == "subject") raw.categories.push_back(DirectText(c));
      return;
    }
    const std::string_view name = LocalName(c);
    if (name == "title" && raw.title.empty()) {
      raw.title = AtomPlain(c);
    } else if (name == "id" && raw.guid.empty()) {
      raw.guid = std::string(Trim(DirectText(c)));
    } else if ((name == "published" || name == "issued") && raw.published.empty()) {
      raw.published = DirectText(c);
    } else if ((name == "updated" || name == "modified") && raw.updated.empty()) {
      raw.updated = DirectText(c);
    } else if (name == "summary" && raw.summary_html.empty()) {
      raw.summary_html = AtomMarkup(c);
    } else if (name == "content" && raw.content_html.empty() && !c.attribute("src")) {
      raw.content_html = AtomMarkup(c);
    } else if (name == "category") {
      const std::string_view label = c.attribute("label").value();
      raw.categories.emplace_back(label.empty() ? c.attribute("term").value() : label);
    } else if (name == "link" && std::string_view(c.attribute("rel").value()) == "enclosure") {
      AddEnclosure(raw, c, "href", feed.context);
    }
  });
  raw.guid_is_permalink = false;  // an Atom id is an IRI, often a tag: URI
  raw.authors = AtomAuthors(entry);
  if (raw.authors.empty()) {
    ForEachChildElement(entry, [&raw](pugi::xml_node c) {
      if (IsAtomNs(NamespaceOf(c)) && LocalName(c) == "source") raw.authors = AtomAuthors(c);
    });
  }
  if (raw.authors.empty()) raw.authors = feed.feed_authors;
  raw.language = InheritedLang(entry);
  return raw;
}

std::optional<UnixTime> UsableDate(std::string_view text) {
  auto t = ParseDate(text);
  if (t && *t > 0) return t;  // feeds write epoch 0 (or earlier) to mean "no date"
  return std::nullopt;
}

Item Normalise(RawItem raw, pugi::xml_node node, const FeedContext& feed) {
  const Context& context = feed.context;
  Item item;
  item.source_id = context.source_id;
  item.guid = CleanText(raw.guid);
  TruncateUtf8(item.guid, kShortFieldCap);
  item.title = ShortField(raw.title, kTitleCap);

  bool link_has_xml_base = false;
  const std::string link_base =
      EffectiveBase(raw.link_node ? raw.link_node : node, context.base_url, &link_has_xml_base);
  item.link = WebLink(link_base, raw.link);
  if (item.link.empty() && raw.guid_is_permalink && HasWebScheme(Trim(raw.guid))) {
    item.link = WebLink(link_base, raw.guid);
  }
  item.canonical_link = item.link.empty() ? std::string() : CanonicalUrl(item.link);

  // Relative URLs in the HTML resolve against xml:base, else the item's own
  // link, else the feed URL.
  bool content_has_xml_base = false;
  std::string html_base = EffectiveBase(node, context.base_url, &content_has_xml_base);
  if (!content_has_xml_base && !item.link.empty()) html_base = item.link;

  auto sanitize = [&html_base](std::string raw_html, std::size_t cap) {
    std::string cleaned = CleanText(raw_html);
    TruncateUtf8(cleaned, cap * kRawHtmlFactor);
    return SanitizeCapped(cleaned, html_base, cap);
  };
  item.summary = sanitize(raw.summary_html, kSummaryCap);
  item.content = sanitize(raw.content_html, kContentCap);
  item.summary_text = HtmlToText(item.summary);
  item.content_text = HtmlToText(item.content);

  std::string authors;
  for (const std::string& a : raw.authors) {
    const std::string name = ShortField(a, kShortFieldCap);
    if (name.empty() || authors.find(name) != std::string::npos) continue;
    if (!authors.empty()) authors += ", ";
    authors += name;
  }
  item.author = std::move(authors);
  TruncateUtf8(item.author, kShortFieldCap);

  for (const std::string& c : raw.categories) {
    std::string category = ShortField(c, kShortFieldCap);
    if (category.empty() || item.categories.size() >= kMaxCategories) continue;
    if (std::find(item.categories.begin(), item.categories.end(), category) ==
        item.categories.end()) {
      item.categories.push_back(std::move(category));
    }
  }
  item.enclosures = std::move(raw.enclosures);
  item.language = ShortField(raw.language.empty() ? feed.language : raw.language, kLanguageCap);

  const auto published = UsableDate(raw.published);
  const auto updated = UsableDate(raw.updated);
  item.published = published ? *published : updated.value_or(0);
  item.updated = updated ? *updated : published.value_or(0);
  if (item.published == 0) {
    item.published = item.updated = context.now;
    item.date_is_first_seen = true;
  } else if (context.now > 0) {
    // A date far in the future would pin the item to the top of every feed.
    for (UnixTime* t : {&item.published, &item.updated}) {
      if (*t > context.now + kFutureSlack) {
        *t = context.now;
        item.date_is_first_seen = true;
      }
    }
  }

  if (!item.guid.empty()) {
    item.id = item.guid;
  } else if (!item.canonical_link.empty()) {
    item.id = item.canonical_link;
  } else {
    const std::string_view date = Trim(raw.published.empty() ? raw.updated : raw.published);
    const std::string_view summary_prefix =
        std::string_view(raw.summary_html).substr(0, kHashSummaryPrefix);
    item.id = "hash:" + Fnv1aHex(item.title + "\n" + std::string(date) + "\n" +
                                 std::string(summary_prefix));
  }
  return item;
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

enum class Format { kRss, kAtom };

void ReadRssMeta(pugi::xml_node root, pugi::xml_node channel, FeedContext& feed, FeedMeta& meta) {
  std::string build_date, pub_date, dc_date;
  ForEachChildElement(channel, [&](pugi::xml_node c) {
    const std::string_view ns = NamespaceOf(c);
    const std::string_view name = LocalName(c);
    if (IsRssNs(ns)) {
      if (name == "title" && meta.title.empty()) meta.title = ShortField(RssPlain(DirectText(c)), kTitleCap);
      if (name == "link" && meta.link.empty()) {
        meta.link = WebLink(EffectiveBase(c, feed.context.base_url, nullptr), DirectText(c));
      }
      if (name == "language" && feed.language.empty()) feed.language = DirectText(c);
      if (name == "lastBuildDate") build_date = DirectText(c);
      if (name == "pubDate") pub_date = DirectText(c);
    } else if (ns == kDcNs) {
      if (name == "language" && feed.language.empty()) feed.language = DirectText(c);
      if (name == "date") dc_date = DirectText(c);
    }
  });
  if (feed.language.empty()) feed.language = InheritedLang(channel ? channel : root);
  meta.id = meta.link;
  for (const std::string& d : {build_date, pub_date, dc_date}) {
    if (meta.updated == 0) meta.updated = UsableDate(d).value_or(0);
  }
}

void ReadAtomMeta(pugi::xml_node root, FeedContext& feed, FeedMeta& meta) {
  ForEachChildElement(root, [&](pugi::xml_node c) {
    if (!IsAtomNs(NamespaceOf(c))) return;
    const std::string_view name = LocalName(c);
    if (name == "title" && meta.title.empty()) meta.title = ShortField(AtomPlain(c), kTitleCap);
    if (name == "id" && meta.id.empty()) meta.id = ShortField(DirectText(c), kShortFieldCap);
    if ((name == "updated" || name == "modified") && meta.updated == 0) {
      meta.updated = UsableDate(DirectText(c)).value_or(0);
    }
  });
  if (pugi::xml_node link = AtomAlternate(root)) {
    meta.link = WebLink(EffectiveBase(link, feed.context.base_url, nullptr),
                        link.attribute("href").value());
  }
  feed.language = InheritedLang(root);
  feed.feed_authors = AtomAuthors(root);
}

Result<ParsedFeed> ParseFeedUnguarded(std::string_view body, const Context& context) {
  if (Trim(body).empty()) return Error{"empty body"};
  const std::string doc = PrepareXml(ToUtf8(body, DetectCharset(body, context.content_type)));
  if (doc.empty()) return Error{"not a feed: no markup in the body"};
  if (LooksLikeHtmlPage(doc)) return Error{"not a feed: HTML page"};

  pugi::xml_document xml;
  // parse_ws_pcdata: the space in xhtml "<b>one</b> <i>two</i>" is content.
  const pugi::xml_parse_result parsed = xml.load_buffer(
      doc.data(), doc.size(), pugi::parse_default | pugi::parse_ws_pcdata, pugi::encoding_utf8);
  const std::string xml_error = std::string("xml: ") + parsed.description() + " at offset " +
                                std::to_string(parsed.offset);
  const pugi::xml_node root = xml.document_element();
  if (!root) return Error{"not a feed: " + xml_error};

  const std::string_view root_name = LocalName(root);
  Format format;
  if (root_name == "rss" || root_name == "RDF") {
    format = Format::kRss;
  } else if (root_name == "feed" && IsAtomNs(NamespaceOf(root))) {
    format = Format::kAtom;
  } else if (EqualsNoCase(root_name, "html")) {
    return Error{"not a feed: HTML page"};
  } else {
    return Error{"not a feed: root element <" + std::string(root.name()) + ">"};
  }

  ParsedFeed out;
  if (!parsed) {
    out.bozo = true;
    out.bozo_reason = xml_error;
  }
  FeedContext feed{context, {}, {}};
  std::vector<pugi::xml_node> entries;
  if (format == Format::kRss) {
    pugi::xml_node channel;
    ForEachChildElement(root, [&channel](pugi::xml_node c) {
      if (!channel && LocalName(c) == "channel" && IsRssNs(NamespaceOf(c))) channel = c;
    });
    ReadRssMeta(root, channel, feed, out.meta);
    // RSS 2.0 nests items in the channel; RSS 0.90 and 1.0 put them beside it.
    for (pugi::xml_node parent : {channel, root}) {
      if (!parent) continue;
      ForEachChildElement(parent, [&entries](pugi::xml_node c) {
        if (LocalName(c) == "item" && IsRssNs(NamespaceOf(c))) entries.push_back(c);
      });
    }
  } else {
    ReadAtomMeta(root, feed, out.meta);
    ForEachChildElement(root, [&entries](pugi::xml_node c) {
      if (LocalName(c) == "entry" && IsAtomNs(NamespaceOf(c))) entries.push_back(c);
    });
  }
  out.meta.language = ShortField(feed.language, kLanguageCap);
  if (!parsed && !entries.empty() && !ClosedBefore(entries.back(), doc, parsed.offset)) {
    entries.pop_back();
  }

  std::unordered_set<std::string> seen;
  for (pugi::xml_node node : entries) {
    if (out.items.size() >= kMaxItems) break;
    RawItem raw = format == Format::kRss ? ReadRssItem(node, context) : ReadAtomEntry(node, feed);
    Item item = Normalise(std::move(raw), node, feed);
    if (seen.insert(item.id).second) out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace

Result<ParsedFeed> ParseFeed(std::string_view body, const Context& context) {
  try {
    return ParseFeedUnguarded(body, context);
  } catch (const std::exception& e) {
    return Error{std::string("parse failed: ") + e.what()};
  }
}

std::optional<UnixTime> ParseDate(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return std::nullopt;
  if (s.size() >= 4 && AllDigits(s.substr(0, 4)) && (s.size() == 4 || s[4] == '-')) {
    return ParseIsoDate(s);
  }
  return ParseRfc822Date(s);
}

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
  if (!default_port) canonical_authority += ":" + std::string(port);

  std::string path = RemoveDotSegments(u.path);
  if (path.empty()) path = "/";
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
  return Recompose(scheme, true, canonical_authority, path, !query.empty(), query);
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  const std::string r_text = StripUrlNoise(ref);
  const std::string b_text = StripUrlNoise(base);
  const UrlParts r = SplitUrl(r_text);
  const UrlParts b = SplitUrl(b_text);
  if (r.has_scheme) {
    return Recompose(r.scheme, r.has_authority, r.authority, RemoveDotSegments(r.path),
                     r.has_query, r.query) +
           (r.has_fragment ? "#" + std::string(r.fragment) : "");
  }
  if (!b.has_scheme) return r_text;

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
        merged = "/" + std::string(r.path);
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
  return Recompose(b.scheme, has_authority, authority, path, has_query, query) +
         (r.has_fragment ? "#" + std::string(r.fragment) : "");
}

std::string SanitizeHtml(std::string_view html, std::string_view base_url) {
  return SanitizeCapped(CleanText(html), base_url, std::numeric_limits<std::size_t>::max() / 2);
}

std::string HtmlToText(std::string_view html) {
  const std::string cleaned = CleanText(html);
  const HtmlFragment fragment(cleaned);
  const GumboVector* top = fragment.Children();
  std::string text;
  if (top == nullptr) return text;
  std::vector<const GumboNode*> stack;
  for (unsigned k = top->length; k > 0; --k) stack.push_back(static_cast<const GumboNode*>(top->data[k - 1]));
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node == nullptr) {  // end of a block element
      text += '\n';
      continue;
    }
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      // Line breaks in the source are not line breaks in the text; only
      // block boundaries are.
      for (const char* c = node->v.text.text; *c != '\0'; ++c) text += IsAsciiSpace(*c) ? ' ' : *c;
      continue;
    }
    if (!IsElement(node) || IsDroppedWithContent(node)) continue;
    const GumboElement& element = node->v.element;
    if (IsBlockElement(element.tag)) {
      text += '\n';
      stack.push_back(nullptr);
    } else if (element.tag == GUMBO_TAG_TD || element.tag == GUMBO_TAG_TH) {
      text += ' ';
    }
    for (unsigned k = element.children.length; k > 0; --k) {
      stack.push_back(static_cast<const GumboNode*>(element.children.data[k - 1]));
    }
  }
  std::string collapsed = CollapseText(text);
  return std::string(Trim(collapsed));
}

}  // namespace redwire::parse
