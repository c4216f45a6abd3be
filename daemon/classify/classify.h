// classify: topic rules. A rule is words, "phrases", prefix*, @concepts,
// AND / OR / NOT, parentheses, field scopes (title: text: category: source:
// tag: lang:) and NEAR/n; adjacent terms mean AND. Matching is case- and
// accent-insensitive (utf8proc NFKC, case folding and mark stripping); a
// bare word also takes its inflected forms (Snowball stem in the item's
// language), a quoted one only itself. A topic may also take or refuse
// whole sources and source tags.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/item.h"
#include "model/result.h"
#include "util/fold.h"

namespace redwire::classify {

struct Words;  // the text fields cut into words and stems (words.h)
struct LearnedSignal;  // a topic's learned second signal (learned.h)
class TermTable;  // every term of a list of topics (classify.cc)

// An item as rules see it, folded and stemmed once and shared by every
// topic. Each text field is read on its own, so a phrase never spans the
// title and the summary, or two categories.
struct MatchInput {
  std::string title;       // folded title
  std::string text;        // folded summary text, then folded content text
  std::string categories;  // each category folded, concatenated
  std::string source;      // folded source id: " kke en "
  std::vector<std::string> tags;  // the source's tags, each folded
  std::string lang;        // folded language tag: " pt br "
  std::string source_id;   // as configured, for topic source lists
  std::vector<std::string> source_tags;  // as configured, for topic tag lists
  // The language whose stemmer the words went through: the item's
  // language tag, else the source's, else a guess from the text (script,
  // then common short words); "" when none has a stemmer.
  std::string stem_language;
  std::shared_ptr<const Words> words;
  // Words are found through a hash index, and Classify reads the item once
  // for all topics; false reads every word instead, each rule on its own
  // (the same answer: for tests and fuzzing).
  bool indexed = true;
};

// `source_lang` is the configured language of the item's source, used when
// the item names none.
MatchInput Prepare(const Item& item, const std::vector<std::string>& source_tags = {},
                   std::string_view source_lang = {});

// Named term lists that rules share (`@ban NEAR/8 @communist-party`): id ->
// terms. A term is a word (stemmed), words in order ("communist party",
// each stemmed), a prefix (`komünist*`) or an exact form in double quotes
// (`"KKE"`).
using Concepts = std::map<std::string, std::vector<std::string>, std::less<>>;

// Checks one concept term; the error (kInvalidArgument) says what is wrong
// with it and carries no column.
Status CheckConceptTerm(const std::string& term);
// Checks one concept's terms; the error names the term: "term 3 'x*y': ...".
Status CheckConceptTerms(const std::vector<std::string>& terms);

class Rule {
 public:
  // Compiles rule text. The error is kInvalidArgument (kTooLarge past the
  // cap) and its column is where in the rule (1-based, counted in
  // characters), so config can point into the rule. Fails on an
  // empty rule, a rule over 256 KiB, unbalanced parentheses, a dangling
  // operator, an unterminated quote, a * anywhere but the end of a word, an
  // unknown field name, NEAR beside anything but text terms, or parentheses
  // nested deeper than 100. Operators are upper-case AND, OR, NOT, NEAR and
  // NEAR/n; a leading - means NOT, while a hyphen inside a bare word
  // (anti-communist) makes it a phrase.
  //
  // Scopes: `title:`, `text:` (summary and content), `category:` read those
  // fields; a term without one reads all three. `source:`, `tag:` and
  // `lang:` compare the whole value (source id, any source tag, the language
  // tag or its primary subtag), or its start with a trailing *. A scope
  // applies to one term or to a parenthesised group: `title:(cuba OR kuba)`.
  //
  // `a NEAR/n b`: both text terms occur in one field with at most n words
  // between them, in either order (plain NEAR is NEAR/10, n is 0..100). It
  // binds tighter than NOT; `a NEAR b NEAR c` is (a NEAR b) AND (b NEAR c).
  //
  // A bare word takes every word with its stem in the item's language
  // (`persecution` takes persecutions, persecuted); quotes keep the exact
  // form ("persecution" takes only that). `@id` stands for the OR of a
  // concept's terms and may stand on either side of NEAR, as may an OR of
  // text terms in parentheses. An unknown concept is an error.
  static Result<Rule> Compile(std::string_view text, const Concepts& concepts = {});

  bool Matches(const MatchInput& input) const;
  bool Matches(const Item& item) const;
  // Matches against already-folded text (see FoldText) standing for every
  // text field; source, tag and lang terms see empty values.
  bool MatchesFolded(std::string_view folded) const;

  // The terms, as written in the rule (`title:cuba*`, `"general strike"`,
  // `@ban:outlaw`), found in `input` outside any NOT: the evidence for a
  // match, or for a rule that did not match, the parts that did.
  std::vector<std::string> MatchedTerms(const MatchInput& input) const;

  // The `tag:` terms, as written: they read the sources' tags, which only
  // the configuration knows.
  std::vector<std::string> TagTerms() const;

  struct Node;

 private:
  friend class TermTable;
  explicit Rule(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

// The text normal form rules match in (util/fold.h): " κουβα και cuba ".
using util::FoldText;
using util::FoldTextWhole;

// The stem a bare rule word looks for in text of `language` (a tag, "" for
// none): "persecutions" in "en" -> "persecut". For `topics explain`.
std::string StemOf(std::string_view word, std::string_view language);

// A topic: its rule (absent when the topic is made of sources and tags
// only) and whole sources or source tags it always takes or refuses.
struct TopicRule {
  TopicRule(std::string topic_id, std::optional<Rule> topic_rule)
      : id(std::move(topic_id)), rule(std::move(topic_rule)) {}

  std::string id;
  std::optional<Rule> rule;
  std::vector<std::string> sources;          // every item of these sources
  std::vector<std::string> tags;             // every item of sources with these tags
  std::vector<std::string> exclude_sources;  // never items of these sources
  std::vector<std::string> exclude_tags;     // never items of sources with these tags
  // When set, the rule's decision also asks a model (learned.h): it must
  // confirm the rule's match, or it proposes items a looser rule confirms.
  std::shared_ptr<const LearnedSignal> learned;
};

// Why a topic took an item, or did not.
struct Verdict {
  bool matched = false;
  // "rule", "source kke-en", "excluded tag x", "no match"; with a model
  // "rule, model 0.91 >= 0.50", "rule, refused by model 0.12 < 0.50",
  // "model 0.74 >= 0.50 and model_rule".
  std::string reason;
  std::vector<std::string> terms;   // Rule::MatchedTerms (or model_rule's) when a rule decided
  std::optional<double> probability;  // the model's, when it was asked
};

// Exclusions win; then an included source or tag; then the rule, with the
// topic's model when it has one.
Verdict Explain(const TopicRule& topic, const MatchInput& input);

// The topics an item belongs to, in the order given; `input` is
// Prepare(item, the tags of its source). The first words of every topic's
// terms go into one table, so each distinct word and stem of the item is
// looked up once for all topics and the rules are then read from where
// their terms occurred; the table is kept per thread for as long as the same
// rules are passed. With `input.indexed` false each rule reads the item on
// its own (Rule::Matches), the reference the table is tested against.
std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const MatchInput& input);
// The same with the item prepared here, for a source without tags.
std::vector<std::string> Classify(const std::vector<TopicRule>& topics, const Item& item);

}  // namespace redwire::classify
