// Folding: the one normal form in which text is compared, by the topic
// matcher (classify), search and near-duplicate detection (store) and the
// date words of parse and scrape. Everything that decides whether two texts
// say the same word uses these functions, so no two modules disagree.
#pragma once

#include <string>
#include <string_view>

namespace redwire::util {

// The word-character rule: letters (L*), marks (M*) and numbers (N*), by
// Unicode general category. Everything else, punctuation, symbols, spaces,
// controls and unassigned code points, separates words. Marks count so that
// a word keeps its combining accents in FoldKeepMarks; in FoldText they are
// stripped before the rule is asked.
bool IsWordChar(char32_t codepoint);

// NFKC + case fold + strip marks, with Turkish dotless ı read as i, then
// every run of non-word characters becomes one space, with a space at each
// end: "Κούβα — «bloqueo»" -> " κουβα bloqueo ". Invalid UTF-8 bytes
// separate words. Empty or wordless text gives " ". Thread-safe (the
// per-code-point answers are cached per thread).
std::string FoldText(std::string_view text);

// FoldText computed over the whole text at once by utf8proc: the definition
// FoldText's per-code-point fast path must agree with (and is tested against).
std::string FoldTextWhole(std::string_view text);

// FoldText without stripping marks: " persecución ". Stemmers need the
// accents (Spanish -ción, Portuguese -ção), so words are stemmed in this
// form and the stem is then folded.
std::string FoldKeepMarks(std::string_view text);

// Appends FoldText of one word of FoldKeepMarks output (no spaces in it) to
// `out`, without the padding spaces; appends nothing for a word made only of
// marks.
void AppendStripped(std::string& out, std::string_view marked_word);

// One word folded as FoldText folds it, but nothing split or dropped: a
// month name or a date word ("Μαΐου" -> "μαιου", "Kasım" -> "kasim").
// Invalid UTF-8 is returned as it came.
std::string FoldWord(std::string_view word);

}  // namespace redwire::util
