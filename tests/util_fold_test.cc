// util/fold.h: the one folding classify, store and parse compare text in.
// The headlines are shapes seen on the sources' pages (902.gr, Granma,
// Avante!, sol.org.tr, l'Humanité).
#include <catch2/catch.hpp>

#include <random>

#include "util/fold.h"

using namespace redwire;

TEST_CASE("IsWordChar: letters, marks and numbers, nothing else", "[util][fold]") {
  CHECK(util::IsWordChar(U'a'));
  CHECK(util::IsWordChar(U'Κ'));
  CHECK(util::IsWordChar(U'ж'));
  CHECK(util::IsWordChar(U'7'));
  CHECK(util::IsWordChar(U'\u0663'));  // Arabic-Indic three (Nd)
  CHECK(util::IsWordChar(U'\u00BD'));  // ½ (No)
  CHECK(util::IsWordChar(U'\u0301'));  // combining acute (Mn): stays inside a word
  CHECK(util::IsWordChar(U'\u093E'));  // Devanagari sign AA (Mc)
  CHECK(util::IsWordChar(U'\u3042'));  // hiragana (Lo)
  CHECK_FALSE(util::IsWordChar(U' '));
  CHECK_FALSE(util::IsWordChar(U'-'));
  CHECK_FALSE(util::IsWordChar(U'\u2014'));  // em dash
  CHECK_FALSE(util::IsWordChar(U'\u00AB'));  // «
  CHECK_FALSE(util::IsWordChar(U'\u00A0'));  // no-break space
  CHECK_FALSE(util::IsWordChar(U'\u20AC'));  // €
  CHECK_FALSE(util::IsWordChar(U'\u0378'));  // unassigned
}

TEST_CASE("FoldText: NFKC, case fold, marks stripped, padded words", "[util][fold]") {
  CHECK(util::FoldText("Κούβα — «bloqueo»") == " κουβα bloqueo ");
  CHECK(util::FoldText("ΑΛΛΗΛΕΓΓΥΗ ΣΤΗΝ ΚΟΥΒΑ") == util::FoldText("Αλληλεγγύη στην Κούβα"));
  CHECK(util::FoldText("Eleições: AÇÃO") == " eleicoes acao ");
  CHECK(util::FoldText("KIZILDERE kızıldere İSTANBUL") == " kizildere kizildere istanbul ");
  CHECK(util::FoldText("l'Humanité") == util::FoldText("l\u2019humanite"));
  CHECK(util::FoldText("Straße") == " strasse ");
  CHECK(util::FoldText("ＣＵＢＡ \xEF\xAC\x81nal") == " cuba final ");  // full-width, ligature
  CHECK(util::FoldText("anti\xC2\xAD" "communist") == " anticommunist ");  // soft hyphen ignored
  CHECK(util::FoldText("Cuba\xFF\xFELibre \xC3") == " cuba libre ");     // bad bytes separate
  CHECK(util::FoldText("") == " ");
  CHECK(util::FoldText("!!! --- ...") == " ");
}

TEST_CASE("FoldKeepMarks keeps accents and AppendStripped strips them after", "[util][fold]") {
  CHECK(util::FoldKeepMarks("Persecución") == " persecución ");
  CHECK(util::FoldKeepMarks("AÇÃO") == " ação ");
  std::string out = "x";
  util::AppendStripped(out, "persecución");
  CHECK(out == "xpersecucion");
  out.clear();
  util::AppendStripped(out, "\xCC\x81");  // a lone combining acute
  CHECK(out.empty());
}

TEST_CASE("FoldWord folds one word and splits nothing", "[util][fold]") {
  CHECK(util::FoldWord("Μαΐου") == "μαιου");
  CHECK(util::FoldWord("ΜΑΙΟΥ") == "μαιου");
  CHECK(util::FoldWord("Kasım") == "kasim");
  CHECK(util::FoldWord("KASIM") == "kasim");
  CHECK(util::FoldWord("März") == "marz");
  CHECK(util::FoldWord("déc.") == "dec.");  // punctuation is the caller's business
  CHECK(util::FoldWord("bad\xFF") == "bad\xFF");
  // A word folds as FoldText folds it.
  for (const char* w : {"Ιουνίου", "Août", "Kasım", "Октября", "Straße"}) {
    CHECK(" " + util::FoldWord(w) + " " == util::FoldText(w));
  }
}

TEST_CASE("FoldText's per-code-point path agrees with whole-text folding", "[util][fold]") {
  // Every BMP code point once, beside letters, and random byte soup.
  // Conjoining jamo send a text down the whole-text path, so they are left
  // out to test the fast one.
  std::string all;
  for (char32_t cp = 1; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xD7B0 && cp <= 0xD7FF)) continue;
    if (cp < 0x80) all += static_cast<char>(cp);
    else if (cp < 0x800) all += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    else all += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                 static_cast<char>(0x80 | (cp & 0x3F))};
    all += 'a';
  }
  CHECK(util::FoldText(all) == util::FoldTextWhole(all));
  std::mt19937 rng(18);
  for (int i = 0; i < 200; ++i) {
    std::string bytes;
    for (int k = 0; k < 40; ++k) bytes += static_cast<char>(rng() & 0xFF);
    if (bytes.find("\xE1\x84") != std::string::npos) continue;  // a jamo
    REQUIRE(util::FoldText(bytes) == util::FoldTextWhole(bytes));
  }
}
