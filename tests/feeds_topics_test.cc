// The tuning tools (`redwire topics test` / `explain`) on a real store.
#include <catch2/catch.hpp>

#include "daemon/cli/topics_cli.h"
#include "feeds_fixture.h"

using namespace feeds_test;
using redwire::app::TopicsExplain;
using redwire::app::TopicsTest;
using redwire::app::TopicsTestOptions;

namespace {

TopicsTestOptions Options(const World& world, const std::string& rule) {
  TopicsTestOptions o;
  o.rule = rule;
  o.state_dir = world.dir.path.string();
  o.config_dir = (world.dir.path / "config").string();
  o.now = 1709800000;  // 2024-03-07, two days after the corpus
  return o;
}

}  // namespace

TEST_CASE("topics test lists matching items with the terms that matched") {
  World world;
  auto report = TopicsTest(Options(world, "cuba* OR κουβα* OR title:habana"));
  REQUIRE(report.ok());
  CHECK(report.value().matched == 3);
  const std::string& text = report.value().text;
  INFO(text);
  CHECK(text.find("2024-03-05  pce  Encuentro en La Habana\n    id https://example.org/pce/5\n"
                  "    matched: title:habana\n") != std::string::npos);
  CHECK(text.find("kne  ΚΝΕ: Αλληλεγγύη στην Κούβα\n    id https://example.org/kne/4\n    matched: κουβα*\n") !=
        std::string::npos);
  CHECK(text.find("3 of 5 items published since 2024-02-06 match\n") != std::string::npos);

  SECTION("tag: terms see the configured source tags") {
    auto youth = TopicsTest(Options(world, "tag:youth"));
    REQUIRE(youth.ok());
    CHECK(youth.value().matched == 1);
  }
  SECTION("tag: terms without --config say they need it, instead of matching nothing") {
    auto o = Options(world, "cuba* OR (tag:youth AND NOT tag:party*)");
    o.config_dir.clear();
    auto bare = TopicsTest(o);
    REQUIRE_FALSE(bare.ok());
    CHECK(bare.error().message ==
          "tag:youth, tag:party*: tag: terms read the sources' tags, which are in the configuration; "
          "give --config DIR");
    o.rule = "cuba* OR κουβα* OR title:habana";  // no tag: term: fine without the config
    auto plain = TopicsTest(o);
    REQUIRE(plain.ok());
    CHECK(plain.value().matched == 3);
  }
  SECTION("--since bounds the window") {
    auto o = Options(world, "cuba* OR κουβα* OR title:habana");
    o.since = "1d";
    auto recent = TopicsTest(o);
    REQUIRE(recent.ok());
    CHECK(recent.value().matched == 0);
    CHECK(recent.value().text == "0 of 0 items published since 2024-03-06 match\n");
    o.since = "soon";
    CHECK_FALSE(TopicsTest(o).ok());
  }
  SECTION("a bad rule points at its column") {
    auto bad = TopicsTest(Options(world, "cuba OR (havana"));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message ==
          "rule: col 9: unbalanced (: no matching )\n  cuba OR (havana\n          ^\n");
  }
}

TEST_CASE("topics explain says which topics took an item and why") {
  World world;
  const std::string state = world.dir.path.string();
  const std::string config = (world.dir.path / "config").string();
  auto report = TopicsExplain("https://example.org/kne/4", state, config);
  REQUIRE(report.ok());
  const std::string& text = report.value().text;
  INFO(text);
  CHECK(report.value().matched == 2);
  CHECK(text.find("  stored topics: cuba-solidarity, youth\n") != std::string::npos);
  CHECK(text.find("  + cuba-solidarity: rule (κουβα*)\n") != std::string::npos);
  CHECK(text.find("  - labour: no match\n") != std::string::npos);
  CHECK(text.find("  + youth: tag youth\n") != std::string::npos);
  CHECK(text.find("note:") == std::string::npos);
  CHECK_FALSE(TopicsExplain("https://example.org/none", state, config).ok());
}

TEST_CASE("Topic config: source and tag lists, optional match, errors at file:line:col") {
  TempDir dir;
  const auto load = [&](const std::string& toml) {
    WriteText(dir.path / "topics.toml", toml);
    return redwire::app::LoadConfig(dir.path.string());
  };
  const std::string sources = R"([[source]]
id = "kke-en"
url = "https://inter.kke.gr/en/rss"
tags = ["party"]
)";
  auto ok = load(sources + R"(
[[topic]]
id = "kke"
sources = ["kke-en"]

[[topic]]
id = "party-cuba"
match = 'cuba*'
tags = ["party"]
exclude_sources = ["kke-en"]
exclude_tags = ["youth"]
)");
  REQUIRE(ok.ok());
  const auto& rules = ok.value()->rules;
  REQUIRE(rules.size() == 2);
  CHECK_FALSE(rules[0].rule.has_value());
  CHECK(rules[0].sources == std::vector<std::string>{"kke-en"});
  CHECK(rules[1].rule.has_value());
  CHECK(rules[1].tags == std::vector<std::string>{"party"});
  CHECK(rules[1].exclude_sources == std::vector<std::string>{"kke-en"});
  CHECK(rules[1].exclude_tags == std::vector<std::string>{"youth"});

  const std::string file = (dir.path / "topics.toml").string();
  auto bad_rule = load(sources + "\n[[topic]]\nid = \"t\"\nmatch = 'cuba OR title:'\n");
  REQUIRE_FALSE(bad_rule.ok());
  CHECK(bad_rule.error().message == file + ":8:24: topic 't': expected a term or ( right after title:");
  auto unknown = load(sources + "\n[[topic]]\nid = \"t\"\nsources = [\"kke\"]\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == file + ":6:1: topic 't': unknown source 'kke'");
  auto no_match = load(sources + "\n[[topic]]\nid = \"t\"\nexclude_tags = [\"x\"]\n");
  REQUIRE_FALSE(no_match.ok());
  CHECK(no_match.error().message.find("missing key 'match'") != std::string::npos);
}
