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

// The opening of a text as a set: the hashes of the three-word shingles of
// its first kLeadWords folded words (look-alike letters read as Latin, as in
// SimHash), sorted and without repeats. SimHash needs a long text: a short
// statement and its copy with a source prefix and a language list appended
// differ in a tenth of their shingles and so by 9-12 bits. Sets compare
// short texts exactly. Texts of fewer than kMinLeadShingles shingles get an
// empty set: a bare headline says too little to tell two items apart.
std::vector<std::uint32_t> LeadShingles(std::string_view folded);
inline constexpr std::size_t kLeadWords = 64;
inline constexpr std::size_t kMinLeadShingles = 16;

// The share of the smaller lead found in the other one: 1 when one text is
// the other with words added before or after (a prefix "CP of Greece,", a
// lead paragraph, a list of languages), low for two texts that only share a
// subject. 0 when either set is empty.
double LeadContainment(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b);

// Two texts are near-duplicates when their leads overlap this much or more.
// Chosen by tests/store_dedup_test.cc on tests/fixtures/topics: the copies of
// near_duplicates.jsonl against every pair of distinct labelled headlines.
inline constexpr double kNearDuplicateContainment = 0.55;

}  // namespace redwire::store
