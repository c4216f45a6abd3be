// classify/words: an item's text fields cut into words, each folded
// (FoldText) and stemmed in the item's language, with a hash index from
// word and from stem to where they occur. Internal to classify: rules look
// words up here instead of searching the text, so a rule's cost does not
// grow with the length of an article.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redwire::classify {

std::uint64_t HashWord(std::string_view word);

class FieldWords {
 public:
  // Adds the words of one part (a title, a summary, one category) in
  // FoldKeepMarks form. A part after the first is kept apart by an empty
  // word, so no phrase spans two parts and NEAR counts one word between.
  void AddPart(std::string_view marked, int language);
  // Adds the words of already-folded text, each its own stem.
  void AddFolded(std::string_view folded);
  // Builds the indexes; until then Find* read every word.
  void Index();

  std::size_t size() const { return folded_.size(); }
  // The folded words, each with a space either side: " a b ", and one more
  // space where two parts meet.
  std::string Joined() const;
  std::string_view Folded(std::size_t i) const { return View(folded_text_, folded_[i]); }
  std::string_view Stem(std::size_t i) const { return View(stem_text_, stem_[i]); }

  // Calls f(position) for every position of a word (or stem), ascending,
  // until f returns true; `indexed` false reads
  // every word instead of the index (the same answer, for tests and fuzzing).
  template <typename F>
  void ForEachFolded(std::string_view word, std::uint64_t hash, bool indexed, F&& f) const {
    ForEach(folded_index_, folded_text_, folded_, word, hash, indexed, f);
  }
  template <typename F>
  void ForEachStem(std::string_view stem, std::uint64_t hash, bool indexed, F&& f) const {
    ForEach(stem_index_, stem_text_, stem_, stem, hash, indexed, f);
  }

  // Calls f(word, hash, positions) once for each distinct folded word (or
  // stem) of the index, where positions(g) calls g(position) for each of
  // its positions, ascending. Nothing before Index().
  template <typename F>
  void ForEachDistinctFolded(F&& f) const {
    ForEachDistinct(folded_index_, folded_text_, folded_, f);
  }
  template <typename F>
  void ForEachDistinctStem(F&& f) const {
    ForEachDistinct(stem_index_, stem_text_, stem_, f);
  }

 private:
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t first = 0;  // position + 1; 0: empty
  };
  struct Index_ {
    std::vector<Slot> slots;
    std::vector<std::uint32_t> next;  // position + 1 of the next occurrence; 0: none
  };

  static std::string_view View(const std::string& text, Span s) {
    return std::string_view(text).substr(s.offset, s.length);
  }
  void Push(std::string_view folded, std::string_view stem);
  static void Build(Index_& index, const std::string& text, const std::vector<Span>& spans);

  template <typename F>
  static void ForEach(const Index_& index, const std::string& text, const std::vector<Span>& spans,
                      std::string_view word, std::uint64_t hash, bool indexed, F& f) {
    if (!indexed || index.slots.empty()) {
      for (std::size_t i = 0; i < spans.size(); ++i) {
        if (spans[i].length != 0 && View(text, spans[i]) == word && f(i)) return;
      }
      return;
    }
    const std::size_t mask = index.slots.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
      const Slot& slot = index.slots[at];
      if (slot.first == 0) return;
      if (slot.hash == hash && View(text, spans[slot.first - 1]) == word) {
        for (std::uint32_t p = slot.first; p != 0; p = index.next[p - 1]) {
          if (f(static_cast<std::size_t>(p - 1))) return;
        }
        return;
      }
    }
  }

  template <typename F>
  static void ForEachDistinct(const Index_& index, const std::string& text, const std::vector<Span>& spans, F& f) {
    for (const Slot& slot : index.slots) {
      if (slot.first == 0) continue;
      auto positions = [&index, first = slot.first](auto&& g) {
        for (std::uint32_t p = first; p != 0; p = index.next[p - 1]) g(static_cast<std::size_t>(p - 1));
      };
      f(View(text, spans[slot.first - 1]), slot.hash, positions);
    }
  }

  std::string folded_text_, stem_text_;
  std::vector<Span> folded_, stem_;
  Index_ folded_index_, stem_index_;
};

// The three text fields rules read, and the number (stem.h) of the
// language they were stemmed in.
struct Words {
  int language = 0;
  FieldWords title, text, categories;
};

}  // namespace redwire::classify
