#include "daemon/classify/stem.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#include "daemon/classify/fold.h"

namespace redwire::classify {
namespace {

struct Language {
  const char* code;      // ISO 639-1
  const char* stemmer;   // Snowball algorithm name
};

// Index + 1 is the language's number. Norwegian's three tags share one.
constexpr std::array<Language, kLanguages> kTable = {{
    {"en", "english"},   {"es", "spanish"},    {"pt", "portuguese"}, {"fr", "french"},
    {"de", "german"},    {"it", "italian"},    {"el", "greek"},      {"ru", "russian"},
    {"tr", "turkish"},   {"nl", "dutch"},      {"sv", "swedish"},    {"da", "danish"},
    {"no", "norwegian"}, {"fi", "finnish"},    {"hu", "hungarian"},  {"ro", "romanian"},
    {"ca", "catalan"},   {"eu", "basque"},     {"ga", "irish"},      {"lt", "lithuanian"},
    {"sr", "serbian"},   {"ar", "arabic"},     {"hy", "armenian"},   {"id", "indonesian"},
    {"hi", "hindi"},     {"ne", "nepali"},     {"ta", "tamil"},      {"yi", "yiddish"},
}};

struct StemmerDeleter {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// Stems are cheap to keep and costly to recompute (~0.5 us a word); the
// cap bounds a thread's memory on an endless stream of distinct words.
constexpr std::size_t kMaxCached = 200'000;

struct ViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class LanguageStemmer {
 public:
  std::string_view Stem(int language, std::string_view word) {
    auto found = cache_.find(word);
    if (found != cache_.end()) return found->second;
    if (cache_.size() >= kMaxCached) cache_.clear();
    std::string stem;
    if (!stemmer_) stemmer_.reset(sb_stemmer_new(kTable[static_cast<std::size_t>(language - 1)].stemmer, "UTF_8"));
    if (stemmer_) {
      const sb_symbol* out = sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                             static_cast<int>(word.size()));
      if (out != nullptr) {
        AppendStripped(stem, std::string_view(reinterpret_cast<const char*>(out),
                                              static_cast<std::size_t>(sb_stemmer_length(stemmer_.get()))));
      }
    }
    // A stemmer that fails or strips a word to nothing leaves it whole.
    if (stem.empty()) AppendStripped(stem, word);
    return cache_.emplace(std::string(word), std::move(stem)).first->second;
  }

 private:
  std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer_;
  std::unordered_map<std::string, std::string, ViewHash, std::equal_to<>> cache_;
};

// Short, frequent words that tell Latin-script languages apart in
// headlines and summaries (folded: no accents).
struct Stopwords {
  int language;
  const char* words;  // " a b c "
};

const Stopwords kStopwords[] = {
    {1, " the of and to in is for on with by from against at its are was has "},
    {2, " el los las del y por con para una que al se su contra sus es "},
    {3, " os as da do dos das em no na com para uma que ao nao seu contra sua "},
    {4, " le les des du et pour avec une dans est au aux sur contre qui "},
    {5, " der die das und den des mit fur von ist im auf ein eine gegen nicht "},
    {6, " il lo gli della delle del di per con una che nel alla sono contro "},
    {9, " ve bir bu icin ile olan olarak karsi da de ne gibi "},
    {10, " de het een en van voor met op is niet tegen "},
};

int ScriptOf(utf8proc_int32_t cp) {
  if ((cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x1F00 && cp <= 0x1FFF)) return 7;  // Greek
  if (cp >= 0x400 && cp <= 0x52F) return 8;                                       // Cyrillic
  if (cp >= 0x600 && cp <= 0x6FF) return 22;                                      // Arabic
  if (cp >= 0x530 && cp <= 0x58F) return 23;                                      // Armenian
  return 0;
}

}  // namespace

int LanguageNumber(std::string_view tag) {
  const std::size_t end = tag.find_first_of("-_");
  std::string primary(tag.substr(0, end));
  for (char& c : primary) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (primary == "nb" || primary == "nn") primary = "no";
  for (std::size_t i = 0; i < kTable.size(); ++i) {
    if (primary == kTable[i].code) return static_cast<int>(i + 1);
  }
  return 0;
}

std::string_view LanguageCode(int language) {
  if (language < 1 || language > kLanguages) return "";
  return kTable[static_cast<std::size_t>(language - 1)].code;
}

std::string_view StemWord(int language, std::string_view marked_word) {
  if (language < 1 || language > kLanguages) {
    thread_local std::string plain;
    plain.clear();
    AppendStripped(plain, marked_word);
    return plain;
  }
  thread_local std::array<LanguageStemmer, kLanguages> stemmers;
  return stemmers[static_cast<std::size_t>(language - 1)].Stem(language, marked_word);
}

int GuessLanguage(std::string_view folded) {
  // Enough text to decide; a long article need not be read to the end.
  folded = folded.substr(0, 2000);
  std::array<int, kLanguages + 1> script{};
  int latin = 0;
  std::size_t pos = 0;
  while (pos < folded.size()) {
    const auto byte = static_cast<unsigned char>(folded[pos]);
    if (byte < 0x80) {
      latin += byte >= 'a' && byte <= 'z';
      ++pos;
      continue;
    }
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t len = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(folded.data() + pos),
                                                  static_cast<utf8proc_ssize_t>(folded.size() - pos), &cp);
    if (len <= 0) {
      ++pos;
      continue;
    }
    ++script[static_cast<std::size_t>(ScriptOf(cp))];
    pos += static_cast<std::size_t>(len);
  }
  int best = 0;
  for (int l = 1; l <= kLanguages; ++l) {
    if (script[static_cast<std::size_t>(l)] > script[static_cast<std::size_t>(best)]) best = l;
  }
  if (best != 0 && script[static_cast<std::size_t>(best)] >= latin) return best;
  // Latin script: count stopwords, word by word.
  std::array<int, kLanguages + 1> votes{};
  std::size_t start = 1;
  while (start < folded.size()) {
    const std::size_t end = folded.find(' ', start);
    if (end == std::string_view::npos) break;
    const std::string_view word = folded.substr(start - 1, end - start + 2);  // " word "
    if (word.size() <= 9) {
      for (const Stopwords& s : kStopwords) {
        if (std::strstr(s.words, std::string(word).c_str()) != nullptr) ++votes[static_cast<std::size_t>(s.language)];
      }
    }
    start = end + 1;
  }
  best = 0;
  for (int l = 1; l <= kLanguages; ++l) {
    if (votes[static_cast<std::size_t>(l)] > votes[static_cast<std::size_t>(best)]) best = l;
  }
  return best;
}

}  // namespace redwire::classify
