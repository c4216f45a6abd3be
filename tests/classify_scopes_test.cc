// Field scopes, NEAR/n, topic source and tag lists, and the evidence a
// match leaves (MatchedTerms, Explain).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "daemon/classify/classify.h"

using redwire::Item;
using redwire::classify::Classify;
using redwire::classify::Explain;
using redwire::classify::MatchInput;
using redwire::classify::Prepare;
using redwire::classify::Rule;
using redwire::classify::TopicRule;

namespace {

Rule Compiled(const std::string& text) {
  auto rule = Rule::Compile(text);
  INFO("rule: " << text);
  if (!rule) FAIL("compile error: " << rule.error().message);
  return std::move(rule).value();
}

std::string ErrorOf(const std::string& text) {
  auto rule = Rule::Compile(text);
  INFO("rule: " << text);
  REQUIRE_FALSE(rule.ok());
  return rule.error().message;
}

Item MakeItem(std::string source, std::string title, std::string summary = {},
              std::vector<std::string> categories = {}, std::string lang = {}) {
  Item item;
  item.source_id = std::move(source);
  item.id = "https://example.org/1";
  item.title = std::move(title);
  item.summary_text = std::move(summary);
  item.categories = std::move(categories);
  item.language = std::move(lang);
  return item;
}

bool On(const std::string& rule, const Item& item, const std::vector<std::string>& tags = {}) {
  return Compiled(rule).Matches(Prepare(item, tags));
}

}  // namespace

TEST_CASE("The issue's examples: one rule for every spelling") {
  const Rule greek = Compiled("κουβα");
  for (const char* title : {"Κούβα", "ΚΟΥΒΑ", "κουβα", "Αλληλεγγύη στην Κούβα"}) {
    INFO(title);
    CHECK(greek.Matches(Prepare(MakeItem("kke", title))));
  }
  const Rule prefix = Compiled("cuba*");
  for (const char* title : {"Cuba", "CUBA", "cubano", "Los CUBANOS"}) {
    INFO(title);
    CHECK(prefix.Matches(Prepare(MakeItem("pce", title))));
  }
  CHECK_FALSE(prefix.Matches(Prepare(MakeItem("pce", "incubadora"))));
}

TEST_CASE("title: text: and category: read only their field") {
  const Item item = MakeItem("kke-en", "Strike at the port of Piraeus",
                             "Dockers stopped work against NATO shipments",
                             {"Labour", "Anti-imperialism"});
  CHECK(On("title:strike", item));
  CHECK_FALSE(On("title:nato", item));
  CHECK(On("text:nato", item));
  CHECK_FALSE(On("text:piraeus", item));
  CHECK(On("category:labour", item));
  CHECK(On("category:\"anti-imperialism\"", item));
  CHECK_FALSE(On("category:strike", item));
  // Without a scope every text field counts.
  CHECK(On("piraeus AND nato AND labour", item));
  SECTION("a scope covers a parenthesised group and nests") {
    CHECK(On("title:(nato OR piraeus)", item));
    CHECK_FALSE(On("title:(nato OR dockers)", item));
    CHECK(On("title:(strike text:dockers)", item));
    CHECK_FALSE(On("title:(strike dockers)", item));
  }
  SECTION("field names ignore case; scoped prefixes and phrases work") {
    CHECK(On("TITLE:pira*", item));
    CHECK(On("Text:\"stopped work\"", item));
    CHECK_FALSE(On("text:\"work stopped\"", item));
  }
  SECTION("scopes combine with NOT") {
    CHECK(On("strike -title:nato", item));
    CHECK_FALSE(On("strike NOT text:nato", item));
  }
}

TEST_CASE("Phrases never span two fields or two categories") {
  const Item item = MakeItem("s", "Solidarity with", "Cuba today", {"general", "strike"});
  CHECK(On("solidarity cuba", item));
  CHECK_FALSE(On("\"with cuba\"", item));
  CHECK_FALSE(On("\"general strike\"", item));
  CHECK(On("category:general category:strike", item));
}

TEST_CASE("source: tag: and lang: compare whole values or their start") {
  const Item item = MakeItem("kke-en", "Statement", {}, {}, "en-GB");
  const std::vector<std::string> tags = {"party", "europe"};
  CHECK(On("source:kke-en", item, tags));
  CHECK_FALSE(On("source:kke", item, tags));
  CHECK(On("source:kke*", item, tags));
  CHECK(On("source:KKE-EN", item, tags));
  CHECK_FALSE(On("source:pcp", item, tags));
  CHECK(On("tag:europe", item, tags));
  CHECK(On("tag:eur*", item, tags));
  CHECK_FALSE(On("tag:youth", item, tags));
  CHECK_FALSE(On("tag:europe", item));  // a source without tags
  CHECK(On("lang:en", item, tags));
  CHECK(On("lang:en-gb", item, tags));
  CHECK_FALSE(On("lang:es", item, tags));
  CHECK_FALSE(On("lang:e", item, tags));
  CHECK(On("(source:pcp OR tag:party) statement", item, tags));
  CHECK(On("statement -lang:el", item, tags));
}

TEST_CASE("NEAR/n: two terms in one field with at most n words between") {
  const Item item = MakeItem("s", "Solidarity with the heroic people of Cuba",
                             "The general strike was called for Friday", {});
  CHECK(On("solidarity NEAR/5 cuba", item));
  CHECK_FALSE(On("solidarity NEAR/4 cuba", item));
  CHECK(On("cuba NEAR/5 solidarity", item));  // either order
  CHECK(On("people NEAR/1 cuba*", item));  // "people of Cuba": one word between
  CHECK_FALSE(On("people NEAR/0 cuba*", item));
  CHECK(On("people NEAR/0 heroic", item));
  CHECK_FALSE(On("\"general strike\" NEAR/2 friday", item));
  CHECK(On("\"general strike\" NEAR/3 friday", item));
  CHECK_FALSE(On("strike NEAR cuba", item));  // different fields
  CHECK(On("solidarity NEAR cuba", item));       // plain NEAR is NEAR/10
  SECTION("scoped NEAR reads that field only") {
    CHECK(On("title:(solidarity NEAR/5 cuba)", item));
    CHECK(On("text:strike NEAR/1 called", item));
    CHECK_FALSE(On("title:strike NEAR/3 friday", item));
  }
  SECTION("chains and negation") {
    CHECK(On("solidarity NEAR/2 heroic NEAR/3 cuba", item));
    CHECK_FALSE(On("solidarity NEAR/2 heroic NEAR/1 cuba", item));
    CHECK_FALSE(On("-(solidarity NEAR/5 cuba)", item));
    CHECK(On("NOT solidarity NEAR/1 cuba", item));
  }
  SECTION("repeated words: any pair of occurrences counts") {
    const Item long_text = MakeItem("s", "cuba a b c d e f g h i j k l m n o p cuba blockade");
    CHECK(On("cuba NEAR/0 blockade", long_text));
    CHECK_FALSE(On("a NEAR/0 blockade", long_text));
  }
}

TEST_CASE("Errors for scopes and NEAR name the column") {
  CHECK(ErrorOf("titel:cuba") ==
        "col 1: unknown field 'titel' (fields: title, text, category, source, tag, lang)");
  CHECK(ErrorOf("cuba title:") == "col 12: expected a term or ( right after title:");
  CHECK(ErrorOf("title: cuba") == "col 7: expected a term or ( right after title:");
  CHECK(ErrorOf("title:OR cuba") == "col 7: expected a term or ( right after title:");
  CHECK(ErrorOf("cuba NEAR/101 havana") == "col 6: NEAR/n needs a number of words from 0 to 100");
  CHECK(ErrorOf("cuba NEAR/x havana") == "col 6: NEAR/n needs a number of words from 0 to 100");
  CHECK(ErrorOf("cuba NEAR (havana x)") ==
        "col 6: NEAR joins text terms (words, phrases, prefixes, concepts or an OR of them)");
  CHECK(ErrorOf("source:kke NEAR/3 cuba") ==
        "col 12: NEAR/3 joins text terms (words, phrases, prefixes, concepts or an OR of them)");
  CHECK(ErrorOf("cuba NEAR (havana OR -x)") ==
        "col 6: NEAR joins text terms (words, phrases, prefixes, concepts or an OR of them)");
  CHECK(ErrorOf("title:cuba NEAR text:havana") == "col 12: NEAR terms must read the same field");
  CHECK(ErrorOf("cuba NEAR") == "col 10: expected a term after NEAR");
  CHECK(ErrorOf(std::string(300 * 1024, 'a')) == "col 1: rule longer than 256 KiB");
  SECTION("a colon after anything but letters is punctuation, as before") {
    CHECK(Compiled("\"14:30\"").Matches(Prepare(MakeItem("s", "At 14:30 today"))));
    CHECK(Compiled("x2:y").Matches(Prepare(MakeItem("s", "x2 y"))));
  }
}

TEST_CASE("MatchedTerms lists the evidence, not terms under NOT") {
  const Rule rule = Compiled(
      "(title:cuba* OR havana OR \"blockade of cuba\") -baseball (strike NEAR/3 port OR x)");
  const Item item = MakeItem("s", "Cuban dockers", "Havana port strike against the blockade of Cuba");
  const MatchInput in = Prepare(item);
  REQUIRE(rule.Matches(in));
  CHECK(rule.MatchedTerms(in) ==
        std::vector<std::string>{"title:cuba*", "havana", "\"blockade of cuba\"",
                                 "strike NEAR/3 port"});
  CHECK(Compiled("-cuba*").MatchedTerms(in).empty());
}

TEST_CASE("Topics take or refuse whole sources and tags, exclusions win") {
  std::vector<TopicRule> topics;
  topics.emplace_back("cuba", Compiled("cuba*"));
  topics.back().exclude_sources = {"sports-desk"};
  topics.emplace_back("youth", std::nullopt);
  topics.back().tags = {"youth"};
  topics.emplace_back("kke", std::nullopt);
  topics.back().sources = {"kke-en", "kke-el"};
  topics.emplace_back("europe-no-youth", Compiled("europe*"));
  topics.back().exclude_tags = {"youth"};

  const Item cuba_kne = MakeItem("kne", "KNE festival: solidarity with Cuba and Europe");
  CHECK(Classify(topics, Prepare(cuba_kne, {"youth", "greece"})) ==
        std::vector<std::string>{"cuba", "youth"});
  const Item sports = MakeItem("sports-desk", "Cuba wins the baseball final in Europe");
  CHECK(Classify(topics, Prepare(sports, {})) == std::vector<std::string>{"europe-no-youth"});
  const Item kke = MakeItem("kke-en", "On the European Union");
  CHECK(Classify(topics, Prepare(kke, {"party"})) ==
        std::vector<std::string>{"kke", "europe-no-youth"});
  CHECK(Classify(topics, Prepare(MakeItem("pcp", "Weather"), {"party"})).empty());

  SECTION("Explain says which list or rule decided") {
    const auto in = Prepare(cuba_kne, {"youth", "greece"});
    auto v = Explain(topics[0], in);
    CHECK(v.matched);
    CHECK(v.reason == "rule");
    CHECK(v.terms == std::vector<std::string>{"cuba*"});
    v = Explain(topics[1], in);
    CHECK(v.matched);
    CHECK(v.reason == "tag youth");
    v = Explain(topics[3], in);
    CHECK_FALSE(v.matched);
    CHECK(v.reason == "excluded tag youth");
    v = Explain(topics[0], Prepare(sports, {}));
    CHECK_FALSE(v.matched);
    CHECK(v.reason == "excluded source sports-desk");
    v = Explain(topics[2], Prepare(kke, {}));
    CHECK(v.reason == "source kke-en");
    v = Explain(topics[2], Prepare(sports, {}));
    CHECK_FALSE(v.matched);
    CHECK(v.reason == "no match");
  }
}

TEST_CASE("Classify with an Item alone sees no tags") {
  std::vector<TopicRule> topics;
  topics.emplace_back("t", Compiled("tag:party OR strike"));
  CHECK(Classify(topics, MakeItem("s", "General strike")) == std::vector<std::string>{"t"});
  CHECK(Classify(topics, MakeItem("s", "Statement")).empty());
  CHECK(Classify(topics, Prepare(MakeItem("s", "Statement"), {"party"})) ==
        std::vector<std::string>{"t"});
}
