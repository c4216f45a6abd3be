// Topic rules: the input up to the first NUL is a rule as an operator
// writes it in `match = '''...'''` (it may span lines); after the NUL, one
// line each: the item's title, summary, content, categories separated by
// '|', source id, source tags separated by ',', language. Compiling must
// fail cleanly or give a rule whose answer does not depend on the
// word-start index (MatchInput::indexed), which is only an optimisation;
// explaining and classifying must agree with it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/classify/classify.h"
#include "fuzz/safe_html.h"

namespace {

// The next line of `in` (without its '\n'), consumed.
std::string_view NextLine(std::string_view& in) {
  const std::size_t lf = in.find('\n');
  const std::string_view line = in.substr(0, lf);
  in.remove_prefix(lf == std::string_view::npos ? in.size() : lf + 1);
  return line;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t at = s.find(sep);
    out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = in.find('\0');
  const std::string_view rule_text = in.substr(0, nul);
  in.remove_prefix(nul == std::string_view::npos ? in.size() : nul + 1);
  auto compiled = redwire::classify::Rule::Compile(rule_text);
  (void)redwire::classify::FoldText(in);
  if (!compiled.ok()) return 0;
  const redwire::classify::Rule& rule = compiled.value();

  redwire::Item item;
  item.title = std::string(NextLine(in));
  item.summary_text = std::string(NextLine(in));
  item.content_text = std::string(NextLine(in));
  item.categories = Split(NextLine(in), '|');
  item.source_id = std::string(NextLine(in));
  const std::vector<std::string> tags = Split(NextLine(in), ',');
  item.language = std::string(NextLine(in));

  const redwire::classify::MatchInput indexed = redwire::classify::Prepare(item, tags);
  redwire::classify::MatchInput unindexed = indexed;
  unindexed.indexed = false;
  const bool matched = rule.Matches(indexed);
  if (matched != rule.Matches(unindexed)) {
    redwire::fuzz::Violated("the word-start index changed the answer", std::string(rule_text),
                            matched ? "matched with the index only" : "matched without the index only");
  }
  (void)rule.MatchedTerms(indexed);
  (void)rule.MatchesFolded(indexed.title + indexed.text);

  redwire::classify::TopicRule topic("fuzz", rule);
  topic.exclude_tags = {"excluded"};
  const redwire::classify::Verdict verdict = redwire::classify::Explain(topic, indexed);
  const bool excluded = std::find(tags.begin(), tags.end(), "excluded") != tags.end();
  if (!excluded && verdict.matched != matched) {
    redwire::fuzz::Violated("Explain disagrees with Matches", std::string(rule_text), verdict.reason);
  }
  const std::vector<std::string> topics = redwire::classify::Classify({topic}, indexed);
  if (topics.empty() == verdict.matched) {
    redwire::fuzz::Violated("Classify disagrees with Explain", std::string(rule_text), verdict.reason);
  }
  return 0;
}
