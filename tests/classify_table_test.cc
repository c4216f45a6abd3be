// Classify reads an item once for all topics through one table of their
// terms; each rule reading the item on its own (MatchInput::indexed false,
// Rule::Matches) must give the same topics, on the shipped rules and on
// rules that use every construct, over the labelled corpus of real
// headlines and over long texts made of them.
#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "daemon/classify/classify.h"
#include "daemon/classify/labelled.h"

using redwire::Item;
using redwire::classify::Classify;
using redwire::classify::Concepts;
using redwire::classify::MatchInput;
using redwire::classify::Prepare;
using redwire::classify::Rule;
using redwire::classify::TopicRule;

namespace {

Rule Compiled(const std::string& text, const Concepts& concepts = {}) {
  auto rule = Rule::Compile(text, concepts);
  INFO("rule: " << text);
  if (!rule) FAIL("compile error: " << rule.error().message);
  return rule.value();
}

Concepts ShippedConcepts() {
  Concepts concepts;
  const auto table = toml::parse_file(std::string(REDWIRE_SOURCE_DIR) + "/feeds/concepts.toml");
  for (const auto& node : *table["concept"].as_array()) {
    auto& terms = concepts[node.as_table()->get_as<std::string>("id")->get()];
    for (const auto& term : *node.as_table()->get_as<toml::array>("terms")) terms.push_back(term.as_string()->get());
  }
  return concepts;
}

// The shipped topics, then rules over the shipped concepts and words in
// every construct: scopes, NEAR with OR sides, NOT, phrases whose first or
// last word is a prefix, quoted forms, keyword fields, prefixes that share
// their start.
std::vector<TopicRule> Topics(const Concepts& concepts) {
  std::vector<TopicRule> topics;
  const auto table = toml::parse_file(std::string(REDWIRE_SOURCE_DIR) + "/feeds/topics.toml");
  for (const auto& node : *table["topic"].as_array()) {
    const auto& t = *node.as_table();
    topics.emplace_back(t["id"].value_or(std::string()), Compiled(t["match"].value_or(std::string()), concepts));
  }
  const std::vector<std::string> rules = {
      "title:@cuba OR text:(@solidarity NEAR/4 @cuba)",
      "(@strike OR \"general strike\") -title:@sport",
      "\"communist part*\" OR communist-party OR комму* OR kommunist* OR communist part*",
      "\"general stri*\" OR \"workers' party\" OR komm* NEAR/2 part* OR trade-union*",
      "(@war NEAR/0 @war) OR (nato NEAR/1 (war OR wars OR πόλεμος))",
      "@persecution NEAR/10 (@communist-party OR \"KKE\") -lang:en",
      "(@youth OR student*) (tag:party OR source:eval*)",
      "category:(@palestine) OR title:\"gaza\" OR text:gaz*",
      "persecution persecutions \"persecution\"",
      "lang:el @election OR (lang:ru @election) OR lang:pt* (@union NEAR/6 @employer)",
      "NOT @war NOT @palestine @international-meeting",
      "\"solidarity with\" NEAR/3 (cuba* OR venezuel* OR palestin*)",
  };
  for (std::size_t i = 0; i < rules.size(); ++i) topics.emplace_back("t" + std::to_string(i), Compiled(rules[i], concepts));
  return topics;
}

std::vector<Item> Labelled() {
  auto records = redwire::classify::ReadLabelled(std::string(REDWIRE_SOURCE_DIR) + "/feeds/topics/labelled.jsonl", "all");
  if (!records.ok()) FAIL(records.error().message);
  std::vector<Item> items;
  for (const auto& record : records.value()) items.push_back(redwire::classify::ItemOf(record, "eval"));
  return items;
}

// The topics of `item` read through the table, checked against every rule
// reading it alone.
std::vector<std::string> Checked(const std::vector<TopicRule>& topics, const Item& item,
                                 const std::vector<std::string>& tags = {}) {
  const MatchInput indexed = Prepare(item, tags);
  MatchInput alone = indexed;
  alone.indexed = false;
  const std::vector<std::string> through_table = Classify(topics, indexed);
  INFO("item " << item.id << ": " << item.title);
  CHECK(Classify(topics, alone) == through_table);
  std::vector<std::string> by_rule;
  for (const TopicRule& topic : topics) {
    if (topic.rule && topic.rule->Matches(indexed)) by_rule.push_back(topic.id);
  }
  CHECK(by_rule == through_table);
  return through_table;
}

}  // namespace

TEST_CASE("Classify through the term table agrees with every rule alone on the labelled corpus") {
  const Concepts concepts = ShippedConcepts();
  const std::vector<TopicRule> topics = Topics(concepts);
  const std::vector<Item> items = Labelled();
  REQUIRE(items.size() >= 400);
  std::size_t hits = 0;
  std::map<std::string, std::string> long_text;  // by language
  for (const Item& item : items) {
    hits += Checked(topics, item, {"party"}).size();
    long_text[item.language] += item.title + ". " + item.summary_text + " ";
  }
  // Most records belong to some topic: the comparison is not of empty lists.
  CHECK(hits > items.size());

  // Long texts (every record of a language as one article's content), and
  // the same text split into categories.
  std::size_t long_hits = 0;
  for (const auto& [lang, text] : long_text) {
    Item item;
    item.id = "long-" + lang;
    item.source_id = "eval";
    item.language = lang;
    item.title = text.substr(0, text.find(". "));
    item.content_text = text;
    long_hits += Checked(topics, item).size();
    item.content_text.clear();
    for (std::size_t at = 0; at < text.size() && item.categories.size() < 30; at += 300) {
      item.categories.push_back(text.substr(at, 300));
    }
    Checked(topics, item);
  }
  CHECK(long_hits > long_text.size());
}

TEST_CASE("Classify through the term table: words, stems, prefixes and phrases") {
  const std::vector<TopicRule> topics = {
      {"prefix", Compiled("komm*")},
      {"longer-prefix", Compiled("kommunist*")},
      {"stem", Compiled("persecution")},
      {"exact", Compiled("\"persecution\"")},
      {"phrase", Compiled("\"communist part*\"")},
      {"stemmed-phrase", Compiled("communist-party")},
      {"near", Compiled("(nato OR νατο) NEAR/2 (war OR πόλεμος)")},
      {"sources", std::nullopt},
  };
  const auto of = [&](const std::string& lang, const std::string& title, const std::string& summary = "") {
    Item item;
    item.source_id = "kke";
    item.language = lang;
    item.title = title;
    item.summary_text = summary;
    return Checked(topics, item);
  };
  using V = std::vector<std::string>;
  CHECK(of("de", "Kommunistische Partei") == V{"prefix", "longer-prefix"});
  CHECK(of("de", "Kommune") == V{"prefix"});
  CHECK(of("en", "Persecutions in Poland") == V{"stem"});
  CHECK(of("en", "Persecution in Poland") == V{"stem", "exact"});
  CHECK(of("en", "The Communist Party of Poland") == V{"phrase", "stemmed-phrase"});
  CHECK(of("en", "The communist parties") == V{"phrase", "stemmed-phrase"});
  CHECK(of("en", "Communist", "party") == V{});  // a phrase does not span two fields
  CHECK(of("en", "Communist youth party") == V{});
  CHECK(of("en", "NATO prepares the war") == V{"near"});
  CHECK(of("en", "NATO prepares for the new war") == V{});
  CHECK(of("el", "ΝΑΤΟ και πόλεμος") == V{"near"});
  CHECK(of("", "") == V{});

  std::vector<TopicRule> with_source = topics;
  with_source.back().sources = {"kke"};
  Item item;
  item.source_id = "kke";
  item.title = "Weather";
  CHECK(Classify(with_source, Prepare(item)) == V{"sources"});
}

TEST_CASE("Classify's term table follows the rules it is given") {
  std::vector<TopicRule> topics = {{"x", Compiled("cuba")}};
  Item item;
  item.source_id = "s";
  item.language = "en";
  item.title = "NATO summit";
  CHECK(Classify(topics, Prepare(item)).empty());
  // Another list of the same size, then the same list with its rule changed.
  const std::vector<TopicRule> other = {{"x", Compiled("nato")}};
  CHECK(Classify(other, Prepare(item)) == std::vector<std::string>{"x"});
  CHECK(Classify(topics, Prepare(item)).empty());
  topics[0].rule = Compiled("summit*");
  CHECK(Classify(topics, Prepare(item)) == std::vector<std::string>{"x"});
  topics.emplace_back("y", Compiled("nato"));
  CHECK(Classify(topics, Prepare(item)) == std::vector<std::string>{"x", "y"});
}
