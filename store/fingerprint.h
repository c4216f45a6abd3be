// fingerprint: the text folding behind search and near-duplicate detection.
// Internal to the store; exposed as its own header so the dedup threshold can
// be tested on real text pairs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redwire::store {

// NFKC, case folding and mark stripping (utf8proc), then every run of letters
// and digits becomes one word, separated by single spaces. Punctuation, quote
// styles, dashes and all kinds of whitespace vanish, so "Κούβα — «bloqueo»"
// and "κουβα bloqueo" fold the same. Invalid UTF-8 bytes become separators.
std::string FoldText(std::string_view text);

// The words of folded text.
std::vector<std::string_view> Words(std::string_view folded);

// 64-bit SimHash over overlapping three-word shingles of folded text, with
// Greek and Cyrillic letters that look like Latin ones read as Latin; only the
// first 400 words count. Texts of
// fewer than kMinFingerprintWords words get 0: too short to tell a republished
// statement from another one with a similar opening.
std::uint64_t SimHash(std::string_view folded);
inline constexpr int kMinFingerprintWords = 24;

// Bits that differ between two fingerprints.
int Distance(std::uint64_t a, std::uint64_t b);

// Two texts are near-duplicates at this distance or less. Chosen by
// tests/store_dedup_test.cc on republished statements and on different
// statements about the same subject.
inline constexpr int kNearDuplicateDistance = 7;

}  // namespace redwire::store
