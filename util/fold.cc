#include "util/fold.h"

#include <utf8proc.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace redwire::util {
namespace {

constexpr auto kFoldOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
    UTF8PROC_IGNORE);
constexpr auto kKeepMarksOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);

constexpr utf8proc_int32_t kDotlessI = 0x0131;

// Case folding leaves Turkish dotless ı alone while İ and I fold to i, so
// "KIZILDERE" and "kızıldere" would differ; treating ı like a marked i keeps
// matching accent-insensitive for Turkish too.
utf8proc_int32_t MapDotlessI(utf8proc_int32_t codepoint, void*) {
  return codepoint == kDotlessI ? utf8proc_int32_t{'i'} : codepoint;
}

const utf8proc_uint8_t* Bytes(std::string_view text) {
  return reinterpret_cast<const utf8proc_uint8_t*>(text.data());
}

// Each byte that does not start a valid sequence becomes a space, so one bad
// byte costs at most a word boundary, never the whole text.
std::string ReplaceInvalidUtf8(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(pos)), static_cast<utf8proc_ssize_t>(text.size() - pos), &codepoint);
    if (len <= 0) {
      clean.push_back(' ');
      ++pos;
    } else {
      clean.append(text.substr(pos, static_cast<std::size_t>(len)));
      pos += static_cast<std::size_t>(len);
    }
  }
  return clean;
}

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

// Normalised, case-folded, mark-stripped UTF-8, or nullopt when utf8proc
// rejects the input.
std::optional<std::string> MapUtf8(std::string_view text, utf8proc_option_t options = kFoldOptions) {
  utf8proc_uint8_t* raw = nullptr;
  const utf8proc_ssize_t len =
      utf8proc_map_custom(Bytes(text), static_cast<utf8proc_ssize_t>(text.size()), &raw,
                          options, MapDotlessI, nullptr);
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (len < 0) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(raw), static_cast<std::size_t>(len));
}

// Folding one code point at a time gives what folding the whole text gives:
// case folding is context-free and every mark is stripped, so nothing is left
// to compose, except conjoining Hangul jamo, which compose with each other;
// a text holding those takes the whole-text path.
bool IsConjoiningJamo(utf8proc_int32_t cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xD7B0 && cp <= 0xD7FF);
}

// ASCII letters and digits fold to lower case; everything else in ASCII is
// a word boundary.
constexpr std::array<char, 128> kAsciiFold = [] {
  std::array<char, 128> table{};
  for (int c = 0; c < 128; ++c) {
    if (c >= 'A' && c <= 'Z') table[c] = static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) table[c] = static_cast<char>(c);
    else table[c] = ' ';
  }
  return table;
}();

// What one code point adds to folded text: its folded bytes, with each
// non-word character as a space. utf8proc costs about 100 ns a call, so the
// answers for the Basic Multilingual Plane are kept, per thread.
class FoldCache {
 public:
  explicit FoldCache(utf8proc_option_t options) : options_(options), slots_(0x10000, kUnset) {}

  utf8proc_option_t options() const { return options_; }

  std::string_view Get(utf8proc_int32_t codepoint) {
    if (codepoint < 0 || static_cast<std::size_t>(codepoint) >= slots_.size()) {
      scratch_ = Compute(codepoint, options_);
      return scratch_;
    }
    std::uint32_t& slot = slots_[static_cast<std::size_t>(codepoint)];
    if (slot == kUnset) {
      const std::string piece = Compute(codepoint, options_);
      slot = static_cast<std::uint32_t>(pool_.size()) << 8 | static_cast<std::uint32_t>(piece.size());
      pool_ += piece;
    }
    return std::string_view(pool_).substr(slot >> 8, slot & 0xff);
  }

 private:
  // One code point expands to at most 18 under NFKC (U+FDFA), 54 bytes, so
  // the length fits the low 8 bits and the BMP's pool the high 24.
  static constexpr std::uint32_t kUnset = 0xffffffff;

  static std::string Compute(utf8proc_int32_t codepoint, utf8proc_option_t options) {
    utf8proc_uint8_t encoded[4];
    const auto n = utf8proc_encode_char(codepoint, encoded);
    const std::string_view one(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
    const std::optional<std::string> mapped = MapUtf8(one, options);
    if (!mapped) return " ";
    std::string piece;
    std::size_t pos = 0;
    while (pos < mapped->size()) {
      utf8proc_int32_t cp = 0;
      const utf8proc_ssize_t len = utf8proc_iterate(
          Bytes(std::string_view(*mapped).substr(pos)), static_cast<utf8proc_ssize_t>(mapped->size() - pos), &cp);
      const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;
      if (len > 0 && IsWordChar(static_cast<char32_t>(cp))) piece.append(*mapped, pos, step);
      else if (piece.empty() || piece.back() != ' ') piece.push_back(' ');
      pos += step;
    }
    return piece;
  }

  utf8proc_option_t options_;
  std::vector<std::uint32_t> slots_;
  std::string pool_;
  std::string scratch_;
};

std::string FoldWhole(std::string_view text, utf8proc_option_t options) {
  std::optional<std::string> mapped = MapUtf8(text, options);
  if (!mapped) mapped = MapUtf8(ReplaceInvalidUtf8(text), options);
  // Only allocation failure or a multi-gigabyte input gets here; matching
  // nothing is the safe answer.
  if (!mapped) return " ";

  std::string folded = " ";
  folded.reserve(mapped->size() + 2);
  const std::string_view view = *mapped;
  std::size_t pos = 0;
  while (pos < view.size()) {
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(view.substr(pos)), static_cast<utf8proc_ssize_t>(view.size() - pos), &codepoint);
    const std::size_t step = len > 0 ? static_cast<std::size_t>(len) : 1;
    if (len > 0 && IsWordChar(static_cast<char32_t>(codepoint))) {
      folded.append(view.substr(pos, step));
    } else if (folded.back() != ' ') {
      folded.push_back(' ');
    }
    pos += step;
  }
  if (folded.back() != ' ') folded.push_back(' ');
  return folded;
}

std::string Fold(std::string_view text, FoldCache& cache) {
  std::string folded = " ";
  folded.reserve(text.size() + 2);
  auto append = [&folded](std::string_view piece) {
    for (char c : piece) {
      if (c != ' ') folded.push_back(c);
      else if (folded.back() != ' ') folded.push_back(' ');
    }
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      const char c = kAsciiFold[byte];
      if (c != ' ') folded.push_back(c);
      else if (folded.back() != ' ') folded.push_back(' ');
      ++pos;
      continue;
    }
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(
        Bytes(text.substr(pos)), static_cast<utf8proc_ssize_t>(text.size() - pos), &codepoint);
    if (len <= 0) {
      append(" ");
      ++pos;
      continue;
    }
    if (IsConjoiningJamo(codepoint)) return FoldWhole(text, cache.options());
    append(cache.Get(codepoint));
    pos += static_cast<std::size_t>(len);
  }
  if (folded.back() != ' ') folded.push_back(' ');
  return folded;
}


FoldCache& StrippingCache() {
  thread_local FoldCache cache(kFoldOptions);
  return cache;
}

}  // namespace

bool IsWordChar(char32_t codepoint) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(codepoint))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

std::string FoldTextWhole(std::string_view text) { return FoldWhole(text, kFoldOptions); }

std::string FoldText(std::string_view text) { return Fold(text, StrippingCache()); }

std::string FoldKeepMarks(std::string_view text) {
  thread_local FoldCache cache(kKeepMarksOptions);
  return Fold(text, cache);
}

void AppendStripped(std::string& out, std::string_view marked_word) {
  FoldCache& cache = StrippingCache();
  std::size_t pos = 0;
  while (pos < marked_word.size()) {
    const auto byte = static_cast<unsigned char>(marked_word[pos]);
    if (byte < 0x80) {
      out.push_back(marked_word[pos]);
      ++pos;
      continue;
    }
    utf8proc_int32_t codepoint = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(Bytes(marked_word.substr(pos)),
                                                  static_cast<utf8proc_ssize_t>(marked_word.size() - pos), &codepoint);
    if (len <= 0) {
      ++pos;
      continue;
    }
    for (char c : cache.Get(codepoint)) {
      if (c != ' ') out.push_back(c);
    }
    pos += static_cast<std::size_t>(len);
  }
}

std::string FoldWord(std::string_view word) {
  std::optional<std::string> mapped = MapUtf8(word);
  return mapped ? std::move(*mapped) : std::string(word);
}

}  // namespace redwire::util
