#include "store/fingerprint.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <optional>

#include "util/hash.h"

namespace redwire::store {
namespace {

constexpr auto kFoldOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
    UTF8PROC_IGNORE);

const utf8proc_uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
}

// Case folding leaves Turkish dotless ı alone while I folds to i; mapping it
// to i keeps "KIZILDERE" and "kızıldere" one word, as the topic matcher does.
utf8proc_int32_t MapDotlessI(utf8proc_int32_t codepoint, void*) {
  return codepoint == 0x0131 ? utf8proc_int32_t{'i'} : codepoint;
}

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

// NFKC, case folding and mark stripping of valid UTF-8; nullopt when utf8proc
// refuses the text.
std::optional<std::string> MapFolded(std::string_view text) {
  utf8proc_uint8_t* raw = nullptr;
  const utf8proc_ssize_t len =
      utf8proc_map_custom(Bytes(text), static_cast<utf8proc_ssize_t>(text.size()), &raw,
                          kFoldOptions, MapDotlessI, nullptr);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (len < 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(len));
}

bool IsWordChar(utf8proc_int32_t codepoint) {
  switch (utf8proc_category(codepoint)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Folding one code point at a time gives what folding the whole text gives:
// case folding is context-free and every mark is stripped, so nothing is left
// to compose, except conjoining Hangul jamo, which compose with each other; a
// text holding those takes the whole-text path.
bool IsConjoiningJamo(utf8proc_int32_t cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) ||
         (cp >= 0xD7B0 && cp <= 0xD7FF);
}

// ASCII letters and digits fold to lower case; anything else in ASCII ends a
// word (a space here).
constexpr std::array<char, 128> kAsciiFold = [] {
  std::array<char, 128> table{};
  for (int c = 0; c < 128; ++c) {
    if (c >= 'A' && c <= 'Z') table[c] = static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) table[c] = static_cast<char>(c);
    else table[c] = ' ';
  }
  return table;
}();

// Keeps letters and digits; any other code point or invalid byte ends a
// word. With keep_all, every valid code point is kept and only invalid bytes
// become spaces.
std::string Filter(std::string_view text, bool keep_all) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  bool in_word = false;
  while (pos < text.size()) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(pos)), static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (len <= 0) {
      if (keep_all) out += ' ';
      in_word = false;
      ++pos;
      continue;
    }
    if (keep_all) {
      out.append(text.substr(pos, static_cast<std::size_t>(len)));
    } else if (IsWordChar(cp)) {
      if (!in_word && !out.empty()) out += ' ';
      out.append(text.substr(pos, static_cast<std::size_t>(len)));
      in_word = true;
    } else {
      in_word = false;
    }
    pos += static_cast<std::size_t>(len);
  }
  return out;
}

// What one code point adds to folded text: its folded bytes, with a space
// for each character that ends a word. utf8proc costs about 100 ns a call and
// a store folds every word of every new item, so the answers for the Basic
// Multilingual Plane are kept, per thread.
class FoldCache {
 public:
  FoldCache() : slots_(0x10000, kUnset) {}

  std::string_view Get(utf8proc_int32_t codepoint) {
    if (codepoint < 0 || static_cast<std::size_t>(codepoint) >= slots_.size()) {
      scratch_ = Compute(codepoint);
      return scratch_;
    }
    std::uint32_t& slot = slots_[static_cast<std::size_t>(codepoint)];
    if (slot == kUnset) {
      const std::string piece = Compute(codepoint);
      slot = static_cast<std::uint32_t>(pool_.size()) << 8 |
             static_cast<std::uint32_t>(piece.size());
      pool_ += piece;
    }
    return std::string_view(pool_).substr(slot >> 8, slot & 0xff);
  }

 private:
  // One code point expands to at most 18 under NFKC (U+FDFA), 54 bytes, so
  // the length fits the low 8 bits and the BMP's pool the high 24.
  static constexpr std::uint32_t kUnset = 0xffffffff;

  static std::string Compute(utf8proc_int32_t codepoint) {
    utf8proc_uint8_t encoded[4];
    const auto n = utf8proc_encode_char(codepoint, encoded);
    const std::optional<std::string> mapped = MapFolded(
        std::string_view(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n)));
    if (!mapped) return " ";
    std::string piece;
    std::size_t pos = 0;
    while (pos < mapped->size()) {
      utf8proc_int32_t cp = 0;
      const utf8proc_ssize_t len = utf8proc_iterate(
          Bytes(std::string_view(*mapped).substr(pos)),
          static_cast<utf8proc_ssize_t>(mapped->size() - pos), &cp);
      const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;
      if (len > 0 && IsWordChar(cp)) piece.append(*mapped, pos, step);
      else if (piece.empty() || piece.back() != ' ') piece.push_back(' ');
      pos += step;
    }
    return piece;
  }

  std::vector<std::uint32_t> slots_;
  std::string pool_;
  std::string scratch_;
};

// Folded Greek and Cyrillic letters whose capitals look like Latin ones, and
// the Latin letter. Aggregators retype statements with look-alikes ("Tο KKE",
// Latin T and K inside Greek text); fingerprints compare the skeleton.
utf8proc_int32_t Skeleton(utf8proc_int32_t cp) {
  switch (cp) {
    case 0x03B1: case 0x0430: return 'a';  // α а
    case 0x03B2: case 0x0432: return 'b';  // β в
    case 0x0441: return 'c';               // с
    case 0x03B5: case 0x0435: return 'e';  // ε е
    case 0x03B7: case 0x043D: return 'h';  // η н
    case 0x03B9: case 0x0456: return 'i';  // ι і
    case 0x03BA: case 0x043A: return 'k';  // κ к
    case 0x03BC: case 0x043C: return 'm';  // μ м
    case 0x03BD: return 'n';               // ν
    case 0x03BF: case 0x043E: return 'o';  // ο о
    case 0x03C1: case 0x0440: return 'p';  // ρ р
    case 0x03C4: case 0x0442: return 't';  // τ т
    case 0x03C7: case 0x0445: return 'x';  // χ х
    case 0x03C5: case 0x0443: return 'y';  // υ у
    case 0x03B6: return 'z';               // ζ
    default: return cp;
  }
}

std::string SkeletonText(std::string_view folded) {
  std::string out;
  out.reserve(folded.size());
  std::size_t pos = 0;
  while (pos < folded.size()) {
    if (static_cast<unsigned char>(folded[pos]) < 0x80) {
      out += folded[pos++];
      continue;
    }
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(folded.substr(pos)), static_cast<utf8proc_ssize_t>(folded.size() - pos), &cp);
    if (len <= 0) {
      ++pos;
      continue;
    }
    const utf8proc_int32_t mapped = Skeleton(cp);
    if (mapped == cp) {
      out.append(folded.substr(pos, static_cast<std::size_t>(len)));
    } else {
      out += static_cast<char>(mapped);
    }
    pos += static_cast<std::size_t>(len);
  }
  return out;
}

constexpr std::size_t kMaxFingerprintWords = 400;

// Byte j of kSpread[v] is bit j of v.
constexpr std::array<std::uint64_t, 256> kSpread = [] {
  std::array<std::uint64_t, 256> table{};
  for (std::size_t v = 0; v < 256; ++v) {
    for (std::size_t j = 0; j < 8; ++j) {
      table[v] |= static_cast<std::uint64_t>((v >> j) & 1) << (8 * j);
    }
  }
  return table;
}();

}  // namespace

std::string FoldTextWhole(std::string_view text) {
  // utf8proc rejects a whole string for one bad byte, so those go first; marks
  // must still be there when it folds, so words are taken afterwards.
  const std::string clean = Filter(text, true);
  const std::optional<std::string> mapped = MapFolded(clean);
  return Filter(mapped ? *mapped : clean, false);
}

std::string FoldText(std::string_view text) {
  thread_local FoldCache cache;
  std::string out;
  out.reserve(text.size());
  bool boundary = false;  // a word ended; the next letter starts a new one
  auto letter = [&](char c) {
    if (boundary && !out.empty()) out += ' ';
    boundary = false;
    out += c;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      const char c = kAsciiFold[byte];
      if (c == ' ') boundary = true;
      else letter(c);
      ++pos;
      continue;
    }
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(pos)), static_cast<utf8proc_ssize_t>(text.size() - pos), &codepoint);
    if (len <= 0) {
      boundary = true;
      ++pos;
      continue;
    }
    if (IsConjoiningJamo(codepoint)) return FoldTextWhole(text);
    for (char c : cache.Get(codepoint)) {
      if (c == ' ') boundary = true;
      else letter(c);
    }
    pos += static_cast<std::size_t>(len);
  }
  return out;
}

std::vector<std::string_view> Words(std::string_view folded) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < folded.size()) {
    std::size_t end = folded.find(' ', start);
    if (end == std::string_view::npos) end = folded.size();
    if (end > start) out.push_back(folded.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::uint64_t SimHash(std::string_view folded) {
  const std::string skeleton = SkeletonText(folded);
  const std::vector<std::string_view> words = Words(skeleton);
  if (words.size() < static_cast<std::size_t>(kMinFingerprintWords)) return 0;
  // Each bit of the fingerprint is the majority vote of that bit over the
  // shingles' hashes. Counting eight bits at once: kSpread turns a byte into
  // eight one-byte counters, which are emptied before they can overflow.
  std::array<int, 64> ones{};
  std::array<std::uint64_t, 8> counters{};
  auto drain = [&] {
    for (std::size_t k = 0; k < 8; ++k) {
      for (std::size_t j = 0; j < 8; ++j) {
        ones[8 * k + j] += static_cast<int>((counters[k] >> (8 * j)) & 0xff);
      }
      counters[k] = 0;
    }
  };
  // The opening of a text identifies it; the cap bounds the cost of long ones.
  const std::size_t n = std::min(words.size(), kMaxFingerprintWords);
  int shingles = 0;
  for (std::size_t i = 0; i + 2 < n; ++i) {
    std::uint64_t h = util::Fnv1a64(words[i]);
    h = util::Fnv1a64(" ", h);
    h = util::Fnv1a64(words[i + 1], h);
    h = util::Fnv1a64(" ", h);
    h = util::Mix64(util::Fnv1a64(words[i + 2], h));
    for (std::size_t k = 0; k < 8; ++k) counters[k] += kSpread[(h >> (8 * k)) & 0xff];
    if (++shingles % 255 == 0) drain();
  }
  drain();
  std::uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (2 * ones[static_cast<std::size_t>(b)] > shingles) out |= std::uint64_t{1} << b;
  }
  // 0 is reserved for "no fingerprint".
  return out == 0 ? 1 : out;
}

}  // namespace redwire::store
