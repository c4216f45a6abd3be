// util/utf8.h: RFC 3629's rules for what is valid, at the byte boundaries
// where decoders go wrong (Markus Kuhn's UTF-8 decoder stress test names
// these cases: overlong forms, surrogates, past U+10FFFF, cut sequences).
#include <catch2/catch.hpp>

#include "util/utf8.h"

using namespace redwire;

namespace {
std::size_t Length(std::string_view s, char32_t* cp = nullptr) {
  char32_t ignored = 0;
  return util::Utf8SequenceLength(s, 0, cp ? cp : &ignored);
}
}  // namespace

TEST_CASE("Utf8SequenceLength decodes valid sequences of every length", "[util][utf8]") {
  char32_t cp = 0;
  CHECK(Length("A", &cp) == 1);
  CHECK(cp == U'A');
  CHECK(Length("\xC2\x80", &cp) == 2);
  CHECK(cp == 0x80);
  CHECK(Length("\xCE\x9A", &cp) == 2);  // Κ
  CHECK(cp == 0x039A);
  CHECK(Length("\xE2\x80\x94", &cp) == 3);  // em dash
  CHECK(cp == 0x2014);
  CHECK(Length("\xF0\x9F\x9A\xA9", &cp) == 4);
  CHECK(cp == 0x1F6A9);
  CHECK(Length("\xF4\x8F\xBF\xBF", &cp) == 4);
  CHECK(cp == 0x10FFFF);
  CHECK(util::Utf8SequenceLength("xΚ", 1, &cp) == 2);
}

TEST_CASE("Utf8SequenceLength refuses what RFC 3629 forbids", "[util][utf8]") {
  CHECK(Length("\x80") == 0);              // a lone continuation byte
  CHECK(Length("\xC0\xAF") == 0);          // overlong '/'
  CHECK(Length("\xC1\xBF") == 0);
  CHECK(Length("\xE0\x80\xAF") == 0);      // overlong, three bytes
  CHECK(Length("\xF0\x80\x80\xAF") == 0);  // overlong, four bytes
  CHECK(Length("\xED\xA0\x80") == 0);      // U+D800
  CHECK(Length("\xED\xBF\xBF") == 0);      // U+DFFF
  CHECK(Length("\xF4\x90\x80\x80") == 0);  // U+110000
  CHECK(Length("\xF5\x80\x80\x80") == 0);
  CHECK(Length("\xFF") == 0);
  CHECK(Length("\xE2\x82") == 0);          // cut short
  CHECK(Length("\xE2\x28\xA1") == 0);      // a non-continuation inside
}

TEST_CASE("IsValidUtf8 checks whole texts, fast path included", "[util][utf8]") {
  CHECK(util::IsValidUtf8(""));
  CHECK(util::IsValidUtf8("plain ASCII text that is longer than eight bytes"));
  CHECK(util::IsValidUtf8("Αλληλεγγύη στην Κούβα — Solidaridad con Cuba 🚩"));
  CHECK_FALSE(util::IsValidUtf8("plain ASCII text that is longer\xFF than eight bytes"));
  CHECK_FALSE(util::IsValidUtf8("12345678\xC0\xAF"));
  CHECK_FALSE(util::IsValidUtf8("Κούβα\xCE"));  // cut at the end
}

TEST_CASE("AppendUtf8 encodes what Utf8SequenceLength decodes", "[util][utf8]") {
  for (char32_t cp : {char32_t{0}, char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF}, char32_t{0x800},
                      char32_t{0xD7FF}, char32_t{0xE000}, char32_t{0xFFFD}, char32_t{0x10000},
                      char32_t{0x10FFFF}}) {
    std::string s;
    util::AppendUtf8(s, cp);
    char32_t back = 0xFFFFFFFF;
    INFO(static_cast<unsigned>(cp));
    REQUIRE(util::Utf8SequenceLength(s, 0, &back) == s.size());
    CHECK(back == cp);
  }
}

TEST_CASE("TruncateUtf8 never splits a character", "[util][utf8]") {
  std::string s = "Κούβα";  // 10 bytes, two per letter
  util::TruncateUtf8(s, 5);
  CHECK(s == "Κο");
  s = "a\xF0\x9F\x9A\xA9";
  util::TruncateUtf8(s, 4);
  CHECK(s == "a");
  s = "short";
  util::TruncateUtf8(s, 100);
  CHECK(s == "short");
  util::TruncateUtf8(s, 0);
  CHECK(s.empty());
}
