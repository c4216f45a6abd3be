#include "store/fingerprint.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>

#include "util/fold.h"
#include "util/hash.h"

namespace redwire::store {
namespace {

const utf8proc_uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
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

// util/fold.h's folding without its padding spaces.
std::string Unpadded(std::string folded) {
  if (folded.size() <= 2) return std::string();
  folded.pop_back();
  folded.erase(0, 1);
  return folded;
}

// The three words from `i` on, as one hash: the fingerprint's and the
// lead's shingle.
std::uint64_t ShingleHash(const std::vector<std::string_view>& words, std::size_t i) {
  std::uint64_t h = util::Fnv1a64(words[i]);
  h = util::Fnv1a64(" ", h);
  h = util::Fnv1a64(words[i + 1], h);
  h = util::Fnv1a64(" ", h);
  return util::Mix64(util::Fnv1a64(words[i + 2], h));
}

}  // namespace

std::string FoldTextWhole(std::string_view text) { return Unpadded(util::FoldTextWhole(text)); }

std::string FoldText(std::string_view text) { return Unpadded(util::FoldText(text)); }

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
    const std::uint64_t h = ShingleHash(words, i);
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

std::vector<std::uint32_t> LeadShingles(std::string_view folded) {
  // Only the opening is read: folded text has single spaces between words.
  std::size_t end = 0;
  for (std::size_t w = 0; w < kLeadWords; ++w) {
    end = folded.find(' ', w == 0 ? 0 : end + 1);
    if (end == std::string_view::npos) break;
  }
  const std::string skeleton = SkeletonText(folded.substr(0, end));
  const std::vector<std::string_view> words = Words(skeleton);
  const std::size_t n = std::min(words.size(), kLeadWords);
  std::vector<std::uint32_t> out;
  if (n < kMinLeadShingles + 2) return out;
  out.reserve(n - 2);
  for (std::size_t i = 0; i + 2 < n; ++i) {
    out.push_back(static_cast<std::uint32_t>(ShingleHash(words, i) >> 32));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() < kMinLeadShingles) out.clear();
  return out;
}

double LeadContainment(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  if (a.empty() || b.empty()) return 0;
  std::size_t common = 0;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(std::min(a.size(), b.size()));
}

}  // namespace redwire::store
