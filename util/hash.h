// Hashing: FNV-1a/64 for stable keys and ids (stored, so the function must
// never change), and splitmix64's finaliser where the bits must spread.
// Not for security: anyone can make collisions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace redwire::util {

inline constexpr std::uint64_t kFnv1a64Basis = 0xcbf29ce484222325ULL;  // 14695981039346656037
inline constexpr std::uint64_t kFnv1a64Prime = 0x100000001b3ULL;

// The basis scraped items' "hash:" ids have been made with since the first
// release: the standard basis with its last decimal digit lost. Ids are
// stored, so scrape keeps it; nothing new may use it.
inline constexpr std::uint64_t kFnv1a64ScrapeIdBasis = 1469598103934665603ULL;

// FNV-1a/64 of `bytes`, continuing from `h` (pass a previous result to hash
// several pieces as one).
constexpr std::uint64_t Fnv1a64(std::string_view bytes, std::uint64_t h = kFnv1a64Basis) {
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnv1a64Prime;
  }
  return h;
}

// FNV-1a/64 over a sequence of fields, each prefixed with its length so
// that moving text from one field to the next changes the hash.
class FieldHasher {
 public:
  void Add(std::string_view field) {
    AddNumber(field.size());
    h_ = Fnv1a64(field, h_);
  }
  // The 8 bytes of `n`, least significant first.
  void AddNumber(std::uint64_t n) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= static_cast<unsigned char>(n >> (8 * i));
      h_ *= kFnv1a64Prime;
    }
  }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = kFnv1a64Basis;
};

// splitmix64's finaliser: a bijection that spreads every input bit over all
// 64 output bits (FNV's low bits are weak).
constexpr std::uint64_t Mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// `h` as 16 lower-case hex digits.
std::string Hex64(std::uint64_t h);

}  // namespace redwire::util
