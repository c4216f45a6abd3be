// UTF-8 text helpers shared by the parse module.
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "daemon/parse/internal.h"

namespace redwire::parse::internal {

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

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c); });
}

namespace {

// utf8proc_map with `options`; the input when utf8proc refuses it.
std::string Utf8procMap(std::string_view in, int options) {
  utf8proc_uint8_t* mapped = nullptr;
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                   static_cast<utf8proc_ssize_t>(in.size()), &mapped,
                   static_cast<utf8proc_option_t>(options));
  if (n < 0) return std::string(in);
  std::string out(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(n));
  std::free(mapped);
  return out;
}

// Whether a code point can change under NFC (Unicode's NFC_Quick_Check is
// No or Maybe): combining marks, composition exclusions, singletons, and
// the few class-0 characters that compose with what precedes them. Text
// without any is already NFC, which spares utf8proc most real text (Greek
// and Cyrillic letters arrive precomposed).
class NfcQuickCheck {
 public:
  NfcQuickCheck() {
    for (char32_t c = 0x300; c < 0x10000; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) continue;
      const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
      bool maybe = p->combining_class != 0 || p->comp_exclusion;
      if (!maybe && p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0) {
        utf8proc_int32_t buffer[8];
        int last = 0;
        const utf8proc_ssize_t n = utf8proc_decompose_char(
            static_cast<utf8proc_int32_t>(c), buffer, 8, UTF8PROC_DECOMPOSE, &last);
        maybe = n == 1;  // a singleton never comes back
      }
      if (maybe) Set(c);
    }
    // Hangul jamo compose with a preceding syllable or jamo; these vowel
    // and length marks are class 0 yet compose with their base.
    for (char32_t c = 0x1161; c <= 0x11C2; ++c) Set(c);
    for (char32_t c : {0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0C56, 0x0CC2,
                       0x0CD5, 0x0CD6, 0x0D3E, 0x0D57, 0x0DCF, 0x0DDF, 0x102E, 0x1B35}) {
      Set(c);
    }
  }

  bool MayChange(char32_t cp) const {
    if (cp < 0x300) return false;
    if (cp < 0x10000) return (bits_[cp >> 6] >> (cp & 63)) & 1;
    const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    return p->combining_class != 0 || p->comp_exclusion || p->decomp_seqindex != UINT16_MAX;
  }

 private:
  void Set(char32_t cp) { bits_[cp >> 6] |= std::uint64_t{1} << (cp & 63); }

  std::array<std::uint64_t, 0x10000 / 64> bits_{};
};

const NfcQuickCheck& Nfc() {
  static const NfcQuickCheck table;
  return table;
}

}  // namespace

namespace {

// The length of the longest prefix of `in` that CleanText keeps byte for
// byte (it stops before invalid UTF-8, a dropped control, U+FFFE, U+FFFF);
// sets *needs_nfc when a character in it may change under NFC.
std::size_t KeptPrefix(std::string_view in, bool* needs_nfc) {
  const NfcQuickCheck& nfc = Nfc();
  std::size_t i = 0;
  while (i < in.size()) {
    // The common case, ASCII text: eight bytes at a time while all are
    // printable (none below 0x20, none from 0x80).
    std::uint64_t word;
    while (i + sizeof word <= in.size() &&
           (std::memcpy(&word, in.data() + i, sizeof word),
            (((word - 0x2020202020202020ULL) | word) & 0x8080808080808080ULL) == 0)) {
      i += sizeof word;
    }
    if (i >= in.size()) break;
    const auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF && i + 1 < in.size() &&
        (static_cast<unsigned char>(in[i + 1]) & 0xC0) == 0x80) {
      // Two bytes, always valid: Latin, Greek, Cyrillic letters.
      const char32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(in[i + 1]) & 0x3Fu);
      *needs_nfc = *needs_nfc || nfc.MayChange(cp);
      i += 2;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = Utf8SequenceLength(in, i, &cp);
    const bool control = cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r';
    if (len == 0 || control || cp == 0xFFFE || cp == 0xFFFF) break;
    *needs_nfc = *needs_nfc || nfc.MayChange(cp);
    i += len;
  }
  return i;
}

}  // namespace

char32_t Windows1252C1(unsigned char byte) {
  static constexpr char32_t kC1[32] = {
      0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
  return byte >= 0x80 && byte <= 0x9F ? kC1[byte - 0x80] : 0;
}

std::string CleanText(std::string_view in) {
  bool needs_nfc = false;
  std::size_t i = KeptPrefix(in, &needs_nfc);
  std::string out;
  out.reserve(in.size());
  out.append(in.substr(0, i));
  while (i < in.size()) {
    // in[i] is invalid (U+FFFD instead) or dropped.
    char32_t cp = 0;
    const std::size_t len = Utf8SequenceLength(in, i, &cp);
    if (len == 0) out += kReplacementChar;
    i += len == 0 ? 1 : len;
    const std::size_t kept = KeptPrefix(in.substr(i), &needs_nfc);
    out.append(in.substr(i, kept));
    i += kept;
  }
  // NFC, so the same Greek title typed precomposed or decomposed is one
  // string for ids, dedup and matching.
  if (!needs_nfc) return out;
  return Utf8procMap(out, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

bool IsCleanText(std::string_view in) {
  bool needs_nfc = false;
  return KeptPrefix(in, &needs_nfc) == in.size() && !needs_nfc;
}

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

namespace {

// Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069): in a
// single-line field they only serve to disguise text ("gpj.exe").
std::string StripBidiControls(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\xE2' && i + 2 < in.size()) {
      const auto b1 = static_cast<unsigned char>(in[i + 1]);
      const auto b2 = static_cast<unsigned char>(in[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) {
        i += 2;
        continue;
      }
    }
    out += in[i];
  }
  return out;
}

// Whether CollapseSpaces would leave `s` as it is: single ' ' between
// words, no other whitespace, none at either end.
bool IsCollapsed(std::string_view s) {
  if (!s.empty() && (s.front() == ' ' || s.back() == ' ')) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c == ' ' && s[i + 1] == ' ') || (c != ' ' && IsAsciiSpace(c)) ||
        (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ShortField(std::string_view raw, std::size_t cap) {
  std::string s = CleanText(raw);
  // Each pass only when it has something to do: titles and authors are
  // short, but there are several per item.
  if (s.find('\xE2') != std::string::npos) s = StripBidiControls(s);
  if (!IsCollapsed(s)) s = CollapseSpaces(s);
  TruncateUtf8(s, cap);
  return s;
}

void AppendEscaped(std::string& out, std::string_view text, bool attribute) {
  const char special = attribute ? '"' : '>';
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '&' && c != '<' && c != special) continue;
    out.append(text.substr(run, i - run));
    out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : attribute ? "&quot;" : "&gt;";
    run = i + 1;
  }
  out.append(text.substr(run));
}

std::string FirstWords(std::string_view text, std::size_t max_words) {
  const std::string collapsed = CollapseSpaces(text);
  std::size_t words = 0;
  std::size_t i = 0;
  while (i < collapsed.size()) {
    if (collapsed[i] == ' ' && ++words == max_words) {
      return collapsed.substr(0, i) + "\xE2\x80\xA6";
    }
    ++i;
  }
  return collapsed;
}

}  // namespace redwire::parse::internal
