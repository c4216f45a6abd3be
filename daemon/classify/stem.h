// classify/stem: Snowball stemming per language, and the light language
// guess for items that do not say theirs. Internal to classify.
#pragma once

#include <string>
#include <string_view>

namespace redwire::classify {

// Languages with a stemmer, numbered 1..kLanguages; 0 is "unknown": words
// stand for themselves.
constexpr int kLanguages = 28;

// The number of a language tag ("es", "pt-BR", "el", "EN_us"), by its
// primary subtag; 0 when there is no Snowball stemmer for it.
int LanguageNumber(std::string_view tag);
// "en" for English's number; "" for 0.
std::string_view LanguageCode(int language);

// The stem of one word in FoldKeepMarks form, folded as FoldText folds
// (accents stripped): "persecuciones" -> "persecu". The word itself, folded,
// for language 0. Stems are cached per thread (a Snowball stemmer is not
// thread-safe), so the view stays valid until the thread's next call.
std::string_view StemWord(int language, std::string_view marked_word);

// A guess from folded text: the script (Greek, Cyrillic, Arabic, Armenian)
// or, for Latin script, which language's commonest short words occur most.
// 0 when nothing decides.
int GuessLanguage(std::string_view folded_text);

}  // namespace redwire::classify
