#include "daemon/classify/words.h"

#include <functional>

#include "daemon/classify/fold.h"
#include "daemon/classify/stem.h"

namespace redwire::classify {

std::uint64_t HashWord(std::string_view word) { return std::hash<std::string_view>{}(word); }

void FieldWords::Push(std::string_view folded, std::string_view stem) {
  folded_.push_back(Span{static_cast<std::uint32_t>(folded_text_.size()), static_cast<std::uint32_t>(folded.size())});
  folded_text_ += folded;
  stem_.push_back(Span{static_cast<std::uint32_t>(stem_text_.size()), static_cast<std::uint32_t>(stem.size())});
  stem_text_ += stem;
}

void FieldWords::AddPart(std::string_view marked, int language) {
  if (!folded_.empty()) Push("", "");
  std::size_t start = 0;
  while (start < marked.size()) {
    std::size_t end = marked.find(' ', start);
    if (end == std::string_view::npos) end = marked.size();
    if (end > start) {
      const std::string_view word = marked.substr(start, end - start);
      const std::size_t before = folded_text_.size();
      AppendStripped(folded_text_, word);
      const std::size_t length = folded_text_.size() - before;
      if (length != 0) {
        // AppendStripped wrote the folded word already: record it in place.
        folded_.push_back(Span{static_cast<std::uint32_t>(before), static_cast<std::uint32_t>(length)});
        const std::string_view stem =
            language == 0 ? std::string_view(folded_text_).substr(before, length) : StemWord(language, word);
        stem_.push_back(Span{static_cast<std::uint32_t>(stem_text_.size()), static_cast<std::uint32_t>(stem.size())});
        stem_text_ += stem;
      }
    }
    start = end + 1;
  }
}

void FieldWords::AddFolded(std::string_view folded) {
  if (!folded_.empty()) Push("", "");
  std::size_t start = 0;
  while (start < folded.size()) {
    std::size_t end = folded.find(' ', start);
    if (end == std::string_view::npos) end = folded.size();
    if (end > start) Push(folded.substr(start, end - start), folded.substr(start, end - start));
    start = end + 1;
  }
}

void FieldWords::Build(Index_& index, const std::string& text, const std::vector<Span>& spans) {
  std::size_t capacity = 16;
  while (capacity < spans.size() * 2) capacity *= 2;
  index.slots.assign(capacity, Slot{});
  index.next.assign(spans.size(), 0);
  const std::size_t mask = capacity - 1;
  // Back to front, so each chain starts at the first occurrence.
  for (std::size_t i = spans.size(); i-- > 0;) {
    if (spans[i].length == 0) continue;
    const std::string_view word = View(text, spans[i]);
    const std::uint64_t hash = HashWord(word);
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
      Slot& slot = index.slots[at];
      if (slot.first == 0) {
        slot = Slot{hash, static_cast<std::uint32_t>(i + 1)};
        break;
      }
      if (slot.hash == hash && View(text, spans[slot.first - 1]) == word) {
        index.next[i] = slot.first;
        slot.first = static_cast<std::uint32_t>(i + 1);
        break;
      }
    }
  }
}

std::string FieldWords::Joined() const {
  std::string out = " ";
  out.reserve(folded_text_.size() + folded_.size() + 1);
  for (const Span& s : folded_) {
    out += View(folded_text_, s);
    out += ' ';
  }
  return out;
}

void FieldWords::Index() {
  Build(folded_index_, folded_text_, folded_);
  Build(stem_index_, stem_text_, stem_);
}

}  // namespace redwire::classify
