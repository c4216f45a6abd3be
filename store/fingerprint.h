// fingerprint: the text folding behind search and near-duplicate detection.
// Internal to the store; exposed as its own header so the dedup threshold can
// be tested on real text pairs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redwire::store {

// util/fold.h's FoldText without its padding spaces: NFKC, case folding and
// mark stripping, then every run of word characters becomes one word,
// separated by single spaces. Punctuation, quote styles, dashes and all kinds
// of whitespace vanish, so "Κούβα — «bloqueo»" and "κουβα bloqueo" fold the
// same. Invalid UTF-8 bytes become separators.
std::string FoldText(std::string_view text);

// FoldText computed over the whole text at once by utf8proc: the definition
// FoldText's per-code-point path must agree with (and is tested against).
std::string FoldTextWhole(std::string_view text);

// The words of folded text.
std::vector<std::string_view> Words(std::string_view folded);

// 64-bit SimHash over overlapping three-word shingles of folded text, with
// Greek and Cyrillic letters that look like Latin ones read as Latin; only the
// first 400 words count. Texts of
// fewer than kMinFingerprintWords words get 0: too short to tell a republished
// statement from another one with a similar opening.
std::uint64_t SimHash(std::string_view folded);
inline constexpr int kMinFingerprintWords = 24;

// Bits that differ between two fingerprints. Written out because without
// -mpopcnt std::popcount is a library call, and the store compares a new
// item with hundreds of fingerprints.
inline int Distance(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ b;
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}

// Two texts are near-duplicates at this distance or less. Chosen by
// tests/store_dedup_test.cc on republished statements and on different
// statements about the same subject.
inline constexpr int kNearDuplicateDistance = 7;

}  // namespace redwire::store
