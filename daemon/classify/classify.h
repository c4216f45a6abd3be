// classify: topic rules. A rule is words, "phrases", prefix*, AND / OR / NOT
// and parentheses; adjacent terms mean AND. Matching is case-insensitive and
// accent-insensitive (utf8proc case folding and mark stripping), over an
// item's title, summary, content and categories.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/item.h"
#include "model/result.h"

namespace redwire::classify {

class Rule {
 public:
  // Compiles rule text. The error message starts with "col N: " (1-based,
  // counted in characters) so config can point into the rule. Fails on an
  // empty rule, unbalanced parentheses, a dangling operator, an unterminated
  // quote, a * anywhere but the end of a word, or parentheses nested deeper
  // than 100. Operators are upper-case AND, OR, NOT; a leading - means NOT,
  // while a hyphen inside a bare word (anti-communist) makes it a phrase.
  static Result<Rule> Compile(std::string_view text);

  bool Matches(const Item& item) const;
  // Matches against already-folded text (see FoldText).
  bool MatchesFolded(std::string_view folded) const;

  struct Node;
 private:
  explicit Rule(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

// NFKC + case fold + strip accents, then every run of non-letters/digits
// becomes one space, with a space at each end: " κουβα και cuba ".
std::string FoldText(std::string_view text);

struct TopicRule {
  std::string id;
  Rule rule;
};

// The topics an item belongs to, in the order given.
std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const Item& item);

}  // namespace redwire::classify
