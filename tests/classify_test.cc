#include "daemon/classify/classify.h"

#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using redwire::Item;
using redwire::classify::Classify;
using redwire::classify::FoldText;
using redwire::classify::FoldTextWhole;
using redwire::classify::Rule;
using redwire::classify::TopicRule;

namespace {

Rule MustCompile(const std::string& text) {
  auto rule = Rule::Compile(text);
  INFO("rule: " << text);
  if (!rule) FAIL("compile error: " << rule.error().message);
  return rule.value();
}

bool RuleMatches(const std::string& rule, const std::string& text) {
  return MustCompile(rule).MatchesFolded(FoldText(text));
}

std::string CompileError(const std::string& text) {
  auto rule = Rule::Compile(text);
  INFO("rule: " << text);
  REQUIRE_FALSE(rule.ok());
  return rule.error().message;
}

Item TitledItem(std::string title) {
  Item item;
  item.source_id = "test";
  item.title = std::move(title);
  return item;
}

// The cuba-solidarity rule as shipped in feeds/topics.toml.
const std::string kCubaRule =
    "cuba OR cuban* OR cubano* OR bloqueo OR \"blockade of cuba\" OR habana OR havana OR "
    "κουβα* OR \"αποκλεισμος της κουβας\" OR куба OR кубы OR кубе OR кубин* OR kuba* OR "
    "küba*";

}  // namespace

TEST_CASE("FoldText lower-cases, strips accents and pads words with spaces") {
  CHECK(FoldText("Cuba") == " cuba ");
  CHECK(FoldText("CUBA") == " cuba ");
  CHECK(FoldText("cubano") == " cubano ");
  CHECK(FoldText("¡Viva Cuba, sí!") == " viva cuba si ");
  CHECK(FoldText("  tabs\tand\nnewlines  ") == " tabs and newlines ");
  CHECK(FoldText("Cuba's 2024 harvest") == " cuba s 2024 harvest ");
  CHECK(FoldText("") == " ");
  CHECK(FoldText("!!! --- ...") == " ");
}

TEST_CASE("FoldText treats Greek capitals, accents and final sigma alike") {
  const std::string expected = " κουβα ";
  CHECK(FoldText("ΚΟΥΒΑ") == expected);
  CHECK(FoldText("Κούβα") == expected);
  CHECK(FoldText("κουβα") == expected);
  CHECK(FoldText("κούβα") == expected);
  // The same word in NFD (υ followed by a combining acute accent).
  CHECK(FoldText("Κου\xCC\x81\xCE\xB2\xCE\xB1") == expected);
  // Case folding maps final ς to σ, so the genitive agrees in every spelling.
  CHECK(FoldText("Κούβας") == " κουβασ ");
  CHECK(FoldText("ΚΟΥΒΑΣ") == " κουβασ ");
  CHECK(FoldText("Αλληλεγγύη στην Κούβα!") == " αλληλεγγυη στην κουβα ");
  // Dialytika is a mark too.
  CHECK(FoldText("Ϊταλία") == " ιταλια ");
}

TEST_CASE("FoldText across Spanish, Portuguese, Russian, Turkish and German") {
  SECTION("Spanish ñ and acute accents lose their marks") {
    CHECK(FoldText("España") == " espana ");
    CHECK(FoldText("AÑO de la Revolución") == " ano de la revolucion ");
    CHECK(FoldText("La Habána") == FoldText("LA HABANA"));
  }
  SECTION("Portuguese ç and tildes") {
    CHECK(FoldText("Ação") == " acao ");
    CHECK(FoldText("AÇÃO") == " acao ");
    CHECK(FoldText("Eleições") == " eleicoes ");
  }
  SECTION("Russian capitals fold; ё becomes е and й becomes и (both are marked letters)") {
    CHECK(FoldText("КУБА") == " куба ");
    CHECK(FoldText("Куба") == " куба ");
    CHECK(FoldText("Ещё") == " еще ");
    CHECK(FoldText("Кубинский") == " кубинскии ");
  }
  SECTION("Turkish dotted İ, plain I and dotless ı all become i") {
    CHECK(FoldText("İSTANBUL") == " istanbul ");
    CHECK(FoldText("KIZILDERE") == " kizildere ");
    CHECK(FoldText("Kızıldere") == " kizildere ");
    CHECK(FoldText("SEÇİM") == FoldText("seçim"));
    CHECK(FoldText("Küba") == " kuba ");
    CHECK(FoldText("savaş") == " savas ");
  }
  SECTION("German ß folds to ss") { CHECK(FoldText("Straße") == " strasse "); }
}

TEST_CASE("FoldText applies compatibility forms and drops ignorable characters") {
  CHECK(FoldText("ＣＵＢＡ") == " cuba ");            // full-width letters
  CHECK(FoldText("\xEF\xAC\x81nal") == " final ");    // the "fi" ligature
  CHECK(FoldText("anti\xC2\xAD" "communist") == " anticommunist ");  // soft hyphen
  CHECK(FoldText("Cuba\xC2\xA0Libre") == " cuba libre ");            // no-break space
  CHECK(FoldText("Cuba\xE2\x80\x94Libre") == " cuba libre ");        // em dash
}

TEST_CASE("FoldText survives invalid UTF-8 and keeps the valid words") {
  CHECK(FoldText("Cuba\xFF\xFELibre \xC3") == " cuba libre ");
  CHECK(FoldText("\xC0\xAF" "Κούβα") == " κουβα ");  // overlong encoding of '/'
  CHECK(FoldText("lone\xED\xA0\x80surrogate") == " lone surrogate ");
  CHECK(FoldText(std::string("nul\0byte", 8)) == " nul byte ");
}

TEST_CASE("Word terms match whole words only") {
  CHECK(RuleMatches("cuba", "Solidarity with Cuba"));
  CHECK(RuleMatches("cuba", "SOLIDARITY WITH CUBA!"));
  CHECK(RuleMatches("cuba", "Cuba"));
  CHECK_FALSE(RuleMatches("cuba", "Cubanito wins the race"));
  CHECK_FALSE(RuleMatches("cuba", "Business incubator opens"));
  CHECK_FALSE(RuleMatches("cuba", "Cubacel prices"));
  CHECK_FALSE(RuleMatches("cuba", ""));
  // Accents in the rule fold like accents in the text.
  CHECK(RuleMatches("κούβα", "ΑΛΛΗΛΕΓΓΥΗ ΣΤΗΝ ΚΟΥΒΑ"));
  CHECK(RuleMatches("KOUBA", "kouba"));
}

TEST_CASE("Prefix terms match at the start of a word") {
  CHECK(RuleMatches("cuba*", "Cubanito wins the race"));
  CHECK(RuleMatches("cuba*", "Cuba"));
  CHECK(RuleMatches("cuba*", "the Cuban revolution"));
  CHECK_FALSE(RuleMatches("cuba*", "Incubator opens"));
  CHECK_FALSE(RuleMatches("cuba*", "la incubadora"));
  CHECK(RuleMatches("κουβα*", "Αλληλεγγύη στον λαό της Κούβας"));
  CHECK_FALSE(RuleMatches("κουβα", "Αλληλεγγύη στον λαό της Κούβας"));
}

TEST_CASE("Phrases match consecutive whole words") {
  CHECK(RuleMatches("\"bloqueo a cuba\"", "Contra el bloqueo a Cuba, otra vez"));
  CHECK(RuleMatches("\"bloqueo a cuba\"", "¡BLOQUEO A CUBA!"));
  CHECK_FALSE(RuleMatches("\"bloqueo a cuba\"", "bloqueo contra Cuba"));
  CHECK_FALSE(RuleMatches("\"bloqueo a cuba\"", "el bloqueo a cubanos"));
  CHECK_FALSE(RuleMatches("\"bloqueo a cuba\"", "Cuba a bloqueo"));
  SECTION("single quotes, as TOML users write them") {
    CHECK(RuleMatches("'general strike'", "Call for a General Strike on Friday"));
    CHECK_FALSE(RuleMatches("'general strike'", "A general call to strike"));
  }
  SECTION("punctuation inside a phrase is a word break, like in the text") {
    CHECK(RuleMatches("\"anti-communist\"", "New anti-communist law"));
    CHECK(RuleMatches("\"anti-communist\"", "New ANTI COMMUNIST law"));
    CHECK_FALSE(RuleMatches("\"anti-communist\"", "New communist law"));
  }
  SECTION("a trailing * inside quotes makes the last word a prefix") {
    CHECK(RuleMatches("\"political prisoner*\"", "Free the political prisoners"));
    CHECK_FALSE(RuleMatches("\"political prisoner*\"", "political reasons"));
  }
}

TEST_CASE("A hyphen inside a bare word joins it into a phrase, only a leading - negates") {
  CHECK(RuleMatches("anti-communist", "Anti-communist hysteria"));
  CHECK_FALSE(RuleMatches("anti-communist", "communist party"));
  CHECK(RuleMatches("anti-communis*", "Against anti-communism"));
  CHECK(RuleMatches("cuba -baseball", "Cuba news"));
  CHECK_FALSE(RuleMatches("cuba -baseball", "Cuba baseball news"));
  CHECK(RuleMatches("cuba -\"baseball league\"", "Cuba baseball news"));
  CHECK_FALSE(RuleMatches("cuba -(baseball OR boxing)", "Cuba boxing team"));
}

TEST_CASE("Operators: NOT binds tighter than AND, AND tighter than OR") {
  SECTION("a OR b AND c is a OR (b AND c)") {
    const Rule rule = MustCompile("a OR b AND c");
    CHECK(rule.MatchesFolded(FoldText("a")));
    CHECK_FALSE(rule.MatchesFolded(FoldText("b")));
    CHECK(rule.MatchesFolded(FoldText("b c")));
  }
  SECTION("parentheses override") {
    const Rule rule = MustCompile("(a OR b) AND c");
    CHECK_FALSE(rule.MatchesFolded(FoldText("a")));
    CHECK(rule.MatchesFolded(FoldText("a c")));
    CHECK(rule.MatchesFolded(FoldText("c b")));
  }
  SECTION("NOT a AND b is (NOT a) AND b") {
    const Rule rule = MustCompile("NOT a AND b");
    CHECK(rule.MatchesFolded(FoldText("b")));
    CHECK_FALSE(rule.MatchesFolded(FoldText("a b")));
    CHECK_FALSE(rule.MatchesFolded(FoldText("x")));
  }
  SECTION("a AND NOT b OR c is (a AND NOT b) OR c") {
    const Rule rule = MustCompile("a AND NOT b OR c");
    CHECK(rule.MatchesFolded(FoldText("a")));
    CHECK_FALSE(rule.MatchesFolded(FoldText("a b")));
    CHECK(rule.MatchesFolded(FoldText("a b c")));
    CHECK(rule.MatchesFolded(FoldText("c")));
  }
  SECTION("NOT (a OR b)") {
    const Rule rule = MustCompile("NOT (a OR b)");
    CHECK(rule.MatchesFolded(FoldText("c")));
    CHECK_FALSE(rule.MatchesFolded(FoldText("b")));
  }
  SECTION("double negation cancels") {
    CHECK(RuleMatches("NOT NOT cuba", "Cuba"));
    CHECK_FALSE(RuleMatches("NOT NOT cuba", "Venezuela"));
    CHECK(RuleMatches("--cuba", "Cuba"));
  }
}

TEST_CASE("Adjacent terms mean AND, lower-case and/or/not are plain words") {
  const Rule rule = MustCompile("cuba venezuela");
  CHECK(rule.MatchesFolded(FoldText("Venezuela and Cuba sign agreement")));
  CHECK_FALSE(rule.MatchesFolded(FoldText("Cuba sign agreement")));
  CHECK(RuleMatches("(cuba OR havana) (solidarity OR blockade)", "Havana: blockade condemned"));
  CHECK_FALSE(RuleMatches("(cuba OR havana) (solidarity OR blockade)", "Havana: summit"));
  CHECK(RuleMatches("cuba or venezuela", "Cuba or Venezuela?"));
  CHECK_FALSE(RuleMatches("cuba or venezuela", "Cuba, Venezuela"));
}

TEST_CASE("A rule like the shipped cuba-solidarity topic on real titles") {
  const Rule rule = MustCompile(kCubaRule);
  const std::vector<std::string> matching = {
      "Solidarity with the Cuban people against the US blockade",
      "Declaración: ¡Abajo el bloqueo genocida!",
      "Encuentro con los cubanos residentes en Madrid",
      "ΚΚΕ: Αλληλεγγύη στον λαό της ΚΟΥΒΑΣ",
      "Εκδήλωση για τον αποκλεισμό της Κούβας",
      "Заявление в поддержку Кубы",
      "KKE delegation visits Havana",
      "Küba halkıyla dayanışma",
      "Solidarität mit Kuba",
  };
  for (const auto& title : matching) {
    INFO(title);
    CHECK(rule.Matches(TitledItem(title)));
  }
  const std::vector<std::string> not_matching = {
      "Startup incubator opens in Athens",
      "Η ΚΝΕ για τις φοιτητικές εκλογές",
      "Забастовка рабочих в порту",
      "Huelga general el 29 de marzo",
  };
  for (const auto& title : not_matching) {
    INFO(title);
    CHECK_FALSE(rule.Matches(TitledItem(title)));
  }
}

TEST_CASE("Rule::Matches reads title, summary, content and categories") {
  const Rule rule = MustCompile("palestin*");
  Item item = TitledItem("Statement of the Central Committee");
  CHECK_FALSE(rule.Matches(item));
  item.link = "https://example.org/palestine";
  item.author = "Palestine desk";
  CHECK_FALSE(rule.Matches(item));
  SECTION("summary") {
    item.summary_text = "On the situation in Palestine";
    CHECK(rule.Matches(item));
  }
  SECTION("content") {
    item.content_text = "…the Palestinian people…";
    CHECK(rule.Matches(item));
  }
  SECTION("categories") {
    item.categories = {"International", "Palestine"};
    CHECK(rule.Matches(item));
  }
}

TEST_CASE("Compile errors name the column and the reason") {
  CHECK(CompileError("") == "col 1: empty rule");
  CHECK(CompileError("   \n ") == "col 1: empty rule");
  CHECK(CompileError("cuba OR") == "col 8: expected a term after OR");
  CHECK(CompileError("cuba OR (havana OR)") == "col 19: expected a term after OR");
  CHECK(CompileError("cuba AND AND x") == "col 10: expected a term after AND");
  CHECK(CompileError("NOT") == "col 4: expected a term after NOT");
  CHECK(CompileError("()") == "col 2: expected a term after (");
  CHECK(CompileError("OR cuba") == "col 1: expected a term before OR");
  CHECK(CompileError("(cuba OR havana") == "col 1: unbalanced (: no matching )");
  CHECK(CompileError("x ((cuba) OR havana") == "col 3: unbalanced (: no matching )");
  CHECK(CompileError("cuba)") == "col 5: unbalanced ): no matching (");
  CHECK(CompileError(")") == "col 1: unbalanced ): no matching (");
  CHECK(CompileError("cuba \"bloqueo") == "col 6: unterminated \" quote");
  CHECK(CompileError("cuba 'bloqueo") == "col 6: unterminated ' quote");
  CHECK(CompileError("cuba OR *") == "col 9: * must follow a word");
  CHECK(CompileError("\"*\"") == "col 2: * must follow a word");
  CHECK(CompileError("cu*ba") == "col 3: * is only allowed at the end of a word");
  CHECK(CompileError("cuba - x") == "col 6: - must be followed directly by a term");
  CHECK(CompileError("!!!") == "col 1: no letters or digits in !!!");
  CHECK(CompileError("cuba \"\"") == "col 7: no letters or digits in \"\"");
  SECTION("columns count characters, not bytes") {
    CHECK(CompileError("κούβα OR") == "col 9: expected a term after OR");
    CHECK(CompileError("κούβα (ΚΚΕ") == "col 7: unbalanced (: no matching )");
  }
}

TEST_CASE("Nesting is capped at 100 levels and deep rules fail cleanly") {
  auto nested = [](int depth) {
    return std::string(static_cast<std::size_t>(depth), '(') + "cuba" +
           std::string(static_cast<std::size_t>(depth), ')');
  };
  const Rule hundred = MustCompile(nested(100));
  CHECK(hundred.MatchesFolded(FoldText("Cuba")));
  CHECK(CompileError(nested(101)) == "col 101: parentheses nested deeper than 100");
  CHECK(CompileError(nested(10000)) == "col 101: parentheses nested deeper than 100");
  CHECK(CompileError(std::string(10000, '(')) == "col 101: parentheses nested deeper than 100");

  std::string many_nots;
  for (int i = 0; i < 10000; ++i) many_nots += "NOT ";
  CHECK(RuleMatches(many_nots + "cuba", "Cuba"));
  CHECK_FALSE(RuleMatches("NOT " + many_nots + "cuba", "Cuba"));

  std::string long_or = "w0";
  for (int i = 1; i < 10000; ++i) long_or += " OR w" + std::to_string(i);
  CHECK(RuleMatches(long_or, "w9999"));
  CHECK_FALSE(RuleMatches(long_or, "w10000"));
}

TEST_CASE("Classify returns matching topic ids in the given order") {
  const std::vector<TopicRule> topics = {
      {"cuba-solidarity", MustCompile(kCubaRule)},
      {"war-and-nato", MustCompile("nato OR otan OR war OR wars OR νατο OR πολεμ*")},
      {"palestine", MustCompile("palestin* OR gaza OR \"west bank\" OR παλαιστιν*")},
      {"labour", MustCompile("strike OR strikes OR huelga* OR απεργ*")},
  };
  Item item = TitledItem("NATO exercises near Cuba condemned");
  CHECK(Classify(topics, item) == std::vector<std::string>{"cuba-solidarity", "war-and-nato"});

  item = TitledItem("Ο πόλεμος στη Γάζα και το ΝΑΤΟ");
  item.categories = {"Παλαιστίνη"};
  CHECK(Classify(topics, item) == std::vector<std::string>{"war-and-nato", "palestine"});

  const std::vector<TopicRule> reversed(topics.rbegin(), topics.rend());
  item = TitledItem("Huelga general contra la guerra; solidaridad con Gaza y Cuba");
  CHECK(Classify(topics, item) ==
        std::vector<std::string>{"cuba-solidarity", "palestine", "labour"});
  CHECK(Classify(reversed, item) ==
        std::vector<std::string>{"labour", "palestine", "cuba-solidarity"});

  CHECK(Classify(topics, TitledItem("Weather report")).empty());
  CHECK(Classify({}, item).empty());
}

TEST_CASE("Every rule in the shipped feeds/topics.toml compiles") {
  redwire::classify::Concepts concepts;
  const auto concept_table = toml::parse_file(std::string(REDWIRE_SOURCE_DIR) + "/feeds/concepts.toml");
  for (const auto& node : *concept_table["concept"].as_array()) {
    std::vector<std::string>& terms = concepts[node.as_table()->get_as<std::string>("id")->get()];
    for (const auto& term : *node.as_table()->get_as<toml::array>("terms")) terms.push_back(term.as_string()->get());
    CHECK(redwire::classify::CheckConceptTerms(terms).ok());
  }
  REQUIRE(concepts.size() >= 10);
  const auto table = toml::parse_file(std::string(REDWIRE_SOURCE_DIR) + "/feeds/topics.toml");
  const auto* topics = table["topic"].as_array();
  REQUIRE(topics != nullptr);
  REQUIRE_FALSE(topics->empty());
  for (const auto& topic : *topics) {
    const auto id = topic.as_table()->get_as<std::string>("id");
    const auto match = topic.as_table()->get_as<std::string>("match");
    REQUIRE(id != nullptr);
    REQUIRE(match != nullptr);
    auto rule = Rule::Compile(match->get(), concepts);
    if (!rule) FAIL_CHECK("topic " << id->get() << ": " << rule.error().message);
  }
}

TEST_CASE("FoldText's per-code-point path agrees with folding the whole text") {
  // Every code point of the Basic Multilingual Plane between two letters,
  // and after a letter it could combine with.
  auto utf8 = [](char32_t c) {
    std::string out;
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
  };
  std::size_t differing = 0;
  for (char32_t c = 1; c < 0x10000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    for (const std::string& text : {"a" + utf8(c) + "b", "Ε" + utf8(c) + " ", utf8(c) + utf8(c)}) {
      if (FoldText(text) != FoldTextWhole(text)) {
        if (++differing <= 5) CHECK(FoldText(text) == FoldTextWhole(text));
      }
    }
  }
  CHECK(differing == 0);

  // Whole documents in many scripts and legacy encodings (invalid UTF-8
  // included), as the fixture corpus holds them.
  std::size_t documents = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(REDWIRE_FIXTURES)) {
    if (!entry.is_regular_file() || entry.file_size() > 2'000'000) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    INFO(entry.path());
    CHECK(FoldText(bytes.str()) == FoldTextWhole(bytes.str()));
    ++documents;
  }
  CHECK(documents > 100);

  // Conjoining jamo compose with each other; such texts take the whole path.
  CHECK(FoldText("\u1100\u1161") == " \uAC00 ");
}
