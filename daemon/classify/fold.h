// classify/fold: the text normal form rules and items are compared in.
// Internal to classify; classify.h re-exports FoldText and FoldTextWhole.
#pragma once

#include <string>
#include <string_view>

namespace redwire::classify {

// NFKC + case fold + strip accents, then every run of non-letters/digits
// becomes one space, with a space at each end: " κουβα και cuba ".
std::string FoldText(std::string_view text);

// FoldText computed over the whole text at once by utf8proc: the definition
// FoldText's per-code-point fast path must agree with (and is tested against).
std::string FoldTextWhole(std::string_view text);

// FoldText without stripping accents: " persecución ". Stemmers need the
// accents (Spanish -ción, Portuguese -ção), so words are stemmed in this
// form and the stem is then folded.
std::string FoldKeepMarks(std::string_view text);

// Appends FoldText of one word of FoldKeepMarks output (no spaces in it)
// to `out`, without the padding spaces; appends nothing for a word made
// only of marks.
void AppendStripped(std::string& out, std::string_view marked_word);

}  // namespace redwire::classify
