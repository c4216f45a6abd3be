// Morphology (Snowball stems in the item's language), exact forms, shared
// concepts, and the shipped topics on the headlines the topics issue quotes.
#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <string>
#include <vector>

#include "daemon/classify/classify.h"

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

Item ItemIn(std::string lang, std::string title, std::string summary = "") {
  Item item;
  item.source_id = "s";
  item.language = std::move(lang);
  item.title = std::move(title);
  item.summary_text = std::move(summary);
  return item;
}

bool On(const std::string& rule, const Item& item, const Concepts& concepts = {}) {
  const Rule compiled = Compiled(rule, concepts);
  const MatchInput indexed = Prepare(item);
  MatchInput unindexed = indexed;
  unindexed.indexed = false;
  const bool matched = compiled.Matches(indexed);
  // The word index is only a shortcut: reading every word gives the same.
  CHECK(compiled.Matches(unindexed) == matched);
  return matched;
}

std::string ErrorOf(const std::string& rule, const Concepts& concepts = {}) {
  auto compiled = Rule::Compile(rule, concepts);
  REQUIRE_FALSE(compiled.ok());
  return compiled.error().message;
}

// feeds/concepts.toml and feeds/topics.toml as shipped, compiled as the
// daemon compiles them.
struct Shipped {
  Concepts concepts;
  std::vector<TopicRule> topics;

  Shipped() {
    const auto concept_table = toml::parse_file(std::string(REDWIRE_SOURCE_DIR) + "/feeds/concepts.toml");
    for (const auto& node : *concept_table["concept"].as_array()) {
      auto& terms = concepts[node.as_table()->get_as<std::string>("id")->get()];
      for (const auto& term : *node.as_table()->get_as<toml::array>("terms")) terms.push_back(term.as_string()->get());
    }
    const auto table = toml::parse_file(std::string(REDWIRE_SOURCE_DIR) + "/feeds/topics.toml");
    for (const auto& node : *table["topic"].as_array()) {
      const auto& t = *node.as_table();
      auto rule = Rule::Compile(t["match"].value_or(std::string()), concepts);
      REQUIRE(rule.ok());
      topics.emplace_back(t["id"].value_or(std::string()), std::move(rule).value());
    }
  }

  std::vector<std::string> Of(const Item& item) const { return Classify(topics, Prepare(item)); }
};

bool Has(const std::vector<std::string>& topics, const std::string& id) {
  return std::find(topics.begin(), topics.end(), id) != topics.end();
}

}  // namespace

TEST_CASE("A bare word takes its inflected forms in the item's language") {
  CHECK(On("persecution", ItemIn("en", "The end of the persecutions against the Communist Party of Poland")));
  CHECK(On("persecution", ItemIn("en", "Communists persecuted in Poland")));
  CHECK(On("ban", ItemIn("en", "Erdogan's AKP government bans metalworkers strike")));
  CHECK(On("ban", ItemIn("en", "Poland banned the party")));
  CHECK(On("δίωξη", ItemIn("el", "Σταματήστε τις διώξεις των κομμουνιστών")));
  CHECK(On("persecución", ItemIn("es", "Nuevas persecuciones contra el PCV")));
  CHECK(On("huelga", ItemIn("es", "Tres huelgas en Madrid")));
  CHECK(On("запрет", ItemIn("ru", "О запрете компартии")));
  CHECK(On("grev", ItemIn("tr", "Metal işçilerinin grevleri yasaklandı")));
  CHECK(On("streik", ItemIn("de", "Streiks im öffentlichen Dienst")));
  // A stem is not a prefix: "strike" does not take "strikingly"'s neighbour "strict".
  CHECK_FALSE(On("strike", ItemIn("en", "A strict new law")));
  CHECK_FALSE(On("cuba", ItemIn("es", "Los cubanos en la calle")));  // cubano is its own word
}

TEST_CASE("Quoted words keep the exact form, * stays a prefix") {
  const Item plural = ItemIn("en", "The persecutions go on");
  CHECK_FALSE(On("\"persecution\"", plural));
  CHECK(On("\"persecutions\"", plural));
  CHECK(On("persecut*", plural));
  // Single quotes make a phrase whose words are stemmed.
  CHECK(On("'general strike'", ItemIn("en", "Two general strikes in a month")));
  CHECK_FALSE(On("\"general strike\"", ItemIn("en", "Two general strikes in a month")));
}

TEST_CASE("The language comes from the item, else the source, else a guess") {
  Item item = ItemIn("", "Las persecuciones contra los comunistas de Polonia");
  MatchInput guessed = Prepare(item);
  CHECK(guessed.stem_language == "es");
  CHECK(Compiled("persecución").Matches(guessed));
  CHECK(Prepare(item, {}, "pt").stem_language == "pt");
  CHECK(Prepare(ItemIn("", "Σταματήστε τις διώξεις")).stem_language == "el");
  CHECK(Prepare(ItemIn("", "Запрет компартии")).stem_language == "ru");
  CHECK(Prepare(ItemIn("", "The ban on the party and the strike")).stem_language == "en");
  CHECK(Prepare(ItemIn("xx", "2024")).stem_language.empty());
  // An item in a language without a stemmer matches exact words only.
  CHECK_FALSE(On("persecution", ItemIn("ja", "persecutions")));
  CHECK(On("persecution", ItemIn("ja", "persecution")));
}

TEST_CASE("Concepts: one term list, used by name in any rule") {
  const Concepts concepts = {
      {"ban", {"ban", "outlaw", "prohibición", "απαγόρευση", "\"verboten\""}},
      {"communist-party", {"communist party", "kke", "partido comunista", "κομμουνιστικ*"}},
  };
  const Item poland = ItemIn("en", "Polish court banned the Communist Party");
  CHECK(On("@ban", poland, concepts));
  CHECK(On("@ban NEAR/3 @communist-party", poland, concepts));
  CHECK_FALSE(On("@ban NEAR/0 @communist-party", poland, concepts));  // "the" between
  CHECK(On("title:@ban", poland, concepts));
  CHECK_FALSE(On("text:@ban", poland, concepts));
  CHECK(On("@ban NEAR/2 @communist-party", ItemIn("es", "Prohibiciones contra el Partido Comunista"), concepts));
  CHECK(On("@ban", ItemIn("de", "Das ist verboten"), concepts));
  CHECK_FALSE(On("@ban", ItemIn("de", "Verbotene Bücher"), concepts));
  CHECK(On("(ban OR outlaw) NEAR/3 party", poland, concepts));
  SECTION("evidence names the concept and the term") {
    const auto terms = Compiled("@ban NEAR/3 @communist-party", concepts).MatchedTerms(Prepare(poland));
    REQUIRE(terms.size() == 1);
    CHECK(terms[0] == "@ban NEAR/3 @communist-party");
    CHECK(Compiled("@ban", concepts).MatchedTerms(Prepare(poland)) == std::vector<std::string>{"@ban:ban"});
  }
  SECTION("errors") {
    CHECK(ErrorOf("cuba OR @nope", concepts) == "col 9: unknown concept '@nope'");
    CHECK(ErrorOf("source:@ban", concepts) == "col 8: source: cannot read a concept (its terms are text)");
    CHECK(ErrorOf("@Ban", concepts) == "col 1: a concept is @ and its id ([a-z0-9-]): @Ban");
    CHECK_FALSE(redwire::classify::CheckConceptTerms({"ok", "x*y"}).ok());
    CHECK(redwire::classify::CheckConceptTerms({"ok", "x*y"}).error().message ==
          "term 2 'x*y': * is only allowed at the end of a word");
    CHECK(redwire::classify::CheckConceptTerms({"@other"}).error().message ==
          "term 1 '@other': a concept cannot hold another concept");
    CHECK(redwire::classify::CheckConceptTerms({}).error().message == "no terms");
  }
}

// Every headline the topics issue quotes, in the shipped topics.
TEST_CASE("The shipped topics place the topics issue's examples") {
  const Shipped shipped;
  const char* kRepression[][2] = {
      {"en", "Communist Party of Poland released a statement condemning the Parliament's latest decision on the "
             "extension of the ban on the promotion of communism"},
      {"en", "The CPRF and communist MPs in Duma call for solidarity against the new law restricting further the "
             "activities of political opposition"},
      {"en", "The KKE demands the end of the persecutions against the Communist Party of Poland"},
      {"en", "Erdogan's AKP government bans metalworkers strike"},
      {"es", "TSJ interviene al Partido Comunista de Venezuela"},
      {"en", "the fabricated charges were defeated"},
      {"en", "100 days since the kidnapping of a trade union leader"},
  };
  for (const auto& example : kRepression) {
    INFO(example[1]);
    CHECK(Has(shipped.Of(ItemIn(example[0], example[1])), "anti-communist-repression"));
  }
  CHECK(Has(shipped.Of(ItemIn("en", "Erdogan's AKP government bans metalworkers strike")), "labour-and-strikes"));
  for (const char* news : {"Muere la destacada narradora oral cubana", "new digital TV transmitters in Cuba"}) {
    INFO(news);
    CHECK_FALSE(Has(shipped.Of(ItemIn(news[0] == 'M' ? "es" : "en", news)), "cuba-solidarity"));
  }
  CHECK(Has(shipped.Of(ItemIn("en", "Solidarity with Cuba against the US blockade")), "cuba-solidarity"));
  CHECK(Has(shipped.Of(ItemIn("el", "Αλληλεγγύη στην Κούβα")), "cuba-solidarity"));
}
