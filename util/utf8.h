// UTF-8: decoding, validation, encoding and cutting at a character
// boundary. Every module that walks UTF-8 bytes itself uses these, so
// "valid" means the same everywhere: no overlong forms, no surrogates,
// nothing past U+10FFFF, no truncated sequence (RFC 3629).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace redwire::util {

// Length of the valid UTF-8 sequence at s[i] (its code point in *cp_out), or
// 0 when it is invalid (overlong, surrogate, beyond U+10FFFF, truncated).
// Inline: the loops over text call it for every character.
inline std::size_t Utf8SequenceLength(std::string_view s, std::size_t i, char32_t* cp_out) {
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

// Whether all of `s` is valid UTF-8. Fast on ASCII (eight bytes at a time).
bool IsValidUtf8(std::string_view s);

// Appends the UTF-8 encoding of `cp` (at most U+10FFFF). A surrogate is
// encoded as it is, which no validator accepts: callers that may hold one
// (JSON's lone \ud800) validate afterwards.
void AppendUtf8(std::string& out, char32_t cp);

// Cuts `s` to at most `max` bytes without splitting a character: the cut
// moves back over continuation bytes to the start of the last sequence.
void TruncateUtf8(std::string& s, std::size_t max);

}  // namespace redwire::util
