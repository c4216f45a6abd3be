#include "store/fingerprint.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <memory>

namespace redwire::store {
namespace {

constexpr auto kFoldOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
    UTF8PROC_IGNORE);

const utf8proc_uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
}

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

// Case folding leaves Turkish dotless ı alone while I folds to i; mapping it
// to i keeps "KIZILDERE" and "kızıldere" one word, as the topic matcher does.
utf8proc_int32_t MapDotlessI(utf8proc_int32_t codepoint, void*) {
  return codepoint == 0x0131 ? utf8proc_int32_t{'i'} : codepoint;
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

std::uint64_t Mix(std::uint64_t x) {
  // splitmix64's finaliser: spreads FNV's weak low bits over all 64.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t Fnv(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

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

}  // namespace

std::string FoldText(std::string_view text) {
  // Most of the text redwire sees is ASCII, where folding is lower-casing.
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out;
    out.reserve(text.size());
    bool in_word = false;
    for (char c : text) {
      const bool upper = c >= 'A' && c <= 'Z';
      if (upper || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        if (!in_word && !out.empty()) out += ' ';
        out += upper ? static_cast<char>(c - 'A' + 'a') : c;
        in_word = true;
      } else {
        in_word = false;
      }
    }
    return out;
  }
  // utf8proc rejects a whole string for one bad byte, so those go first; marks
  // must still be there when it folds, so words are taken afterwards.
  const std::string clean = Filter(text, true);
  utf8proc_uint8_t* raw = nullptr;
  const utf8proc_ssize_t len =
      utf8proc_map_custom(Bytes(clean), static_cast<utf8proc_ssize_t>(clean.size()), &raw,
                          kFoldOptions, MapDotlessI, nullptr);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (len < 0) return Filter(clean, false);
  return Filter(std::string_view(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(len)),
                false);
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
  std::array<int, 64> votes{};
  // The opening of a text identifies it; the cap bounds the cost of long ones.
  const std::size_t n = std::min(words.size(), kMaxFingerprintWords);
  for (std::size_t i = 0; i + 2 < n; ++i) {
    std::uint64_t h = Fnv(words[i]);
    h = Fnv(" ", h);
    h = Fnv(words[i + 1], h);
    h = Fnv(" ", h);
    h = Mix(Fnv(words[i + 2], h));
    for (int b = 0; b < 64; ++b) votes[static_cast<std::size_t>(b)] += (h >> b) & 1 ? 1 : -1;
  }
  std::uint64_t out = 0;
  for (int b = 0; b < 64; ++b) {
    if (votes[static_cast<std::size_t>(b)] > 0) out |= std::uint64_t{1} << b;
  }
  // 0 is reserved for "no fingerprint".
  return out == 0 ? 1 : out;
}

int Distance(std::uint64_t a, std::uint64_t b) { return std::popcount(a ^ b); }

}  // namespace redwire::store
