#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>

#include "daemon/config/config.h"

namespace fs = std::filesystem;
using redwire::config::LoadCatalog;
using redwire::config::ParseInterval;

namespace {

// A fresh directory of TOML files, removed at the end of the test.
struct ConfigDir {
  fs::path path;
  ConfigDir() {
    path = fs::temp_directory_path() / ("redwire-config-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~ConfigDir() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
  std::string str() const { return path.string(); }
};

}  // namespace

TEST_CASE("a valid catalog loads sources, topics and settings") {
  ConfigDir dir;
  dir.Write("kke.toml", R"toml(
[[source]]
id    = "kke-en"
name  = "Communist Party of Greece (KKE)"
url   = "https://inter.kke.gr/en/"
every = "30m"
lang  = "en"
tags  = ["party", "europe"]

[source.scrape]
item  = "div.article-list > article"
title = "h2 a"

[[source]]
id  = "cpusa"
url = "https://www.cpusa.org/feed/?post_type=article"
every = "1h30m"
)toml");
  dir.Write("topics.toml", R"toml(
[redwire]
feed_entries = 20

[[topic]]
id    = "cuba-solidarity"
title = "Cuba solidarity"
match = 'cuba OR cuban* OR "bloqueo" OR κούβα'
)toml");
  auto catalog = LoadCatalog(dir.str());
  REQUIRE(catalog.ok());
  REQUIRE(catalog->sources.size() == 2);
  const auto& kke = catalog->sources[0];
  CHECK(kke.id == "kke-en");
  CHECK(kke.every == std::chrono::minutes(30));
  CHECK(kke.tags == std::vector<std::string>{"party", "europe"});
  CHECK(kke.has_scrape);
  CHECK(kke.scrape.item == "div.article-list > article");
  CHECK(kke.where.str().find("kke.toml:2:1") != std::string::npos);
  CHECK(catalog->sources[1].name == "cpusa");  // name defaults to id
  CHECK(catalog->sources[1].every == std::chrono::minutes(90));
  CHECK_FALSE(catalog->sources[1].has_scrape);
  REQUIRE(catalog->topics.size() == 1);
  CHECK(catalog->topics[0].match == "cuba OR cuban* OR \"bloqueo\" OR κούβα");
  CHECK(catalog->topics[0].match_where.line == 8);
  CHECK(catalog->settings.feed_entries == 20);
}

TEST_CASE("a TOML syntax error is reported as file:line:col") {
  ConfigDir dir;
  dir.Write("bad.toml", "[[source]]\nid = \"x\"\nurl = \"https://a.example/\n");
  auto catalog = LoadCatalog(dir.str());
  REQUIRE_FALSE(catalog.ok());
  const std::string& m = catalog.error().message;
  CHECK(m.find("bad.toml:3:") != std::string::npos);
}

TEST_CASE("semantic errors are all listed with their positions") {
  ConfigDir dir;
  dir.Write("a.toml", R"toml([[source]]
id = "dup"
url = "https://a.example/feed"

[[source]]
id = "Bad_Id"
urll = "https://b.example/feed"
url = "ftp://b.example/feed"
every = "soon"
)toml");
  dir.Write("b.toml", R"toml([[source]]
id = "dup"
url = "https://c.example/feed"
)toml");
  auto catalog = LoadCatalog(dir.str());
  REQUIRE_FALSE(catalog.ok());
  const std::string& m = catalog.error().message;
  CHECK(m.find("a.toml:7:1: unknown key 'urll'") != std::string::npos);
  CHECK(m.find("a.toml:6:6: source id 'Bad_Id'") != std::string::npos);
  CHECK(m.find("a.toml:8:7: source 'Bad_Id': url must be an http") != std::string::npos);
  CHECK(m.find("a.toml:9:9: source 'Bad_Id': bad interval 'soon'") != std::string::npos);
  CHECK(m.find("b.toml:1:1: duplicate source id 'dup', first defined at") != std::string::npos);
  CHECK(m.find("a.toml:1:1") != std::string::npos);
}

TEST_CASE("missing required keys and wrong types are errors") {
  ConfigDir dir;
  dir.Write("t.toml", R"toml([[topic]]
id = "x"

[[source]]
id = "y"
url = "https://y.example/"
tags = "party"
allow_private = "yes"
)toml");
  auto catalog = LoadCatalog(dir.str());
  REQUIRE_FALSE(catalog.ok());
  const std::string& m = catalog.error().message;
  CHECK(m.find("missing key 'match'") != std::string::npos);
  CHECK(m.find("'tags' must be an array of strings") != std::string::npos);
  CHECK(m.find("'allow_private' must be true or false") != std::string::npos);
}

TEST_CASE("an empty or missing directory is an error") {
  ConfigDir dir;
  CHECK_FALSE(LoadCatalog(dir.str()).ok());
  CHECK_FALSE(LoadCatalog(dir.str() + "/nope").ok());
}

TEST_CASE("intervals") {
  CHECK(ParseInterval("90s").value() == std::chrono::seconds(90));
  CHECK(ParseInterval("30m").value() == std::chrono::minutes(30));
  CHECK(ParseInterval("2h").value() == std::chrono::hours(2));
  CHECK(ParseInterval("1d").value() == std::chrono::hours(24));
  CHECK(ParseInterval("1h30m").value() == std::chrono::minutes(90));
  CHECK_FALSE(ParseInterval("").ok());
  CHECK_FALSE(ParseInterval("30").ok());
  CHECK_FALSE(ParseInterval("m").ok());
  CHECK_FALSE(ParseInterval("5y").ok());
  CHECK_FALSE(ParseInterval("99999999999999s").ok());
}

TEST_CASE("the shipped feeds/ directory is valid") {
  auto catalog = LoadCatalog(std::string(REDWIRE_SOURCE_DIR) + "/feeds");
  INFO((catalog.ok() ? "" : catalog.error().message));
  REQUIRE(catalog.ok());
  CHECK(catalog->sources.size() >= 12);
  CHECK(catalog->topics.size() >= 7);
}

TEST_CASE("[source.scrape] reads every rule key and compiles the selectors") {
  ConfigDir dir;
  dir.Write("pages.toml", R"toml(
[[source]]
id  = "kke-en"
url = "https://inter.kke.gr/en/"
[source.scrape]
item        = "div.newsList > div.newsItem"
title       = "h3.title"
link        = "a.titleLink @href"
date        = "div.date"
summary     = "div.teaser"
author      = "span.by"
image       = "img @src"
date_format = "%b %d, %Y"
date_lang   = "en"
follow      = true
content     = "div.articleBody"
paginate    = "a.next"
max_pages   = 4
max_follow  = 7

[[source]]
id  = "kne-en"
url = "https://int.kne.gr/"
[source.scrape]
xpath = "//li[a]"

[[source]]
id  = "later"
url = "https://example.org/"
[source.scrape]
)toml");
  auto catalog = LoadCatalog(dir.str());
  REQUIRE(catalog.ok());
  const auto& kke = catalog->sources[0].scrape;
  CHECK(kke.item == "div.newsList > div.newsItem");
  CHECK(kke.title == "h3.title");
  CHECK(kke.link == "a.titleLink @href");
  CHECK(kke.date == "div.date");
  CHECK(kke.summary == "div.teaser");
  CHECK(kke.author == "span.by");
  CHECK(kke.image == "img @src");
  CHECK(kke.date_format == "%b %d, %Y");
  CHECK(kke.date_lang == "en");
  CHECK(kke.follow);
  CHECK(kke.content == "div.articleBody");
  CHECK(kke.paginate == "a.next");
  CHECK(kke.max_pages == 4);
  CHECK(kke.max_follow == 7);
  CHECK(catalog->sources[1].scrape.xpath == "//li[a]");
  CHECK(redwire::scrape::HasRules(catalog->sources[1].scrape));
  // An empty table still means "a page whose rules are not written yet".
  CHECK(catalog->sources[2].has_scrape);
  CHECK_FALSE(redwire::scrape::HasRules(catalog->sources[2].scrape));
}

TEST_CASE("a bad selector is a config error at its own line and column") {
  ConfigDir dir;
  dir.Write("bad.toml", "[[source]]\nid  = \"x\"\nurl = \"https://example.org/\"\n[source.scrape]\n"
                        "item  = \"article\"\ntitle = \"h2 >> a\"\ndate  = \"time:hover\"\n"
                        "xpath_typo = \"//a\"\n");
  auto catalog = LoadCatalog(dir.str());
  REQUIRE_FALSE(catalog.ok());
  const std::string& e = catalog.error().message;
  // `title = "h2 >> a"`: the value opens at column 9, the second '>' is its 5th character.
  CHECK(e.find("bad.toml:6:14: source 'x': scrape title: unexpected '>'") != std::string::npos);
  INFO(e);
  CHECK(e.find("bad.toml:8:1: unknown key 'xpath_typo'") != std::string::npos);
  // The first bad rule stops the compilation; the operator fixes one at a time.
  CHECK(e.find("time:hover") == std::string::npos);
}

TEST_CASE("scrape rules that cannot work are config errors") {
  const std::pair<const char*, const char*> cases[] = {
      {"title = \"h2\"\n", "bad.toml:4:1: source 'x': scrape item: give an item selector"},
      {"item = \"li\"\nxpath = \"//li\"\n", "scrape xpath: give either item or xpath, not both"},
      {"xpath = \"//li[\"\n", "bad.toml:5:"},
      {"item = \"li\"\nfollow = true\n", "scrape content: follow = true needs a content selector"},
      {"item = \"li\"\nmax_pages = 0\n", "max_pages must be 1..100"},
      {"item = \"li\"\nfollow = \"yes\"\n", "'follow' must be true or false"},
  };
  for (const auto& [rules, expected] : cases) {
    ConfigDir dir;
    dir.Write("bad.toml", std::string("[[source]]\nid  = \"x\"\nurl = \"https://example.org/\"\n[source.scrape]\n") + rules);
    auto catalog = LoadCatalog(dir.str());
    INFO(rules);
    REQUIRE_FALSE(catalog.ok());
    CHECK(catalog.error().message.find(expected) != std::string::npos);
  }
}

TEST_CASE("the shipped page sources have rules that extract their fixture pages") {
  auto catalog = LoadCatalog(std::string(REDWIRE_SOURCE_DIR) + "/feeds");
  REQUIRE(catalog.ok());
  // Each page source and the saved page modelled on its site.
  const std::map<std::string, std::pair<std::string, std::size_t>> fixtures = {
      {"kke-en", {"kke-news.html", 3}},         {"kne-en", {"kne-articles.html", 2}},
      {"avante", {"avante-issue.html", 2}},
      {"kprf", {"kprf-russian.html", 3}},       {"eci", {"eci-news.html", 2}},
      {"wfdy", {"wfdy-statements.html", 4}},    {"sacp", {"sacp-statements.html", 2}},
  };
  std::size_t pages = 0;
  for (const auto& source : catalog->sources) {
    if (!source.has_scrape) continue;
    ++pages;
    INFO(source.id);
    REQUIRE(redwire::scrape::HasRules(source.scrape));
    auto it = fixtures.find(source.id);
    REQUIRE(it != fixtures.end());
    std::ifstream in(std::string(REDWIRE_FIXTURES) + "/scrape/" + it->second.first, std::ios::binary);
    const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto rules = redwire::scrape::Rules::Compile(source.scrape);
    REQUIRE(rules.ok());
    // Read as fetched after the pages' latest date (1 April 2026): a later
    // date would be refused as in the future.
    auto x = redwire::scrape::Extract(html, rules.value(), {source.id, source.url, source.lang, 1775088000});
    REQUIRE(x.ok());
    CHECK(x->items.size() == it->second.second);
    for (const auto& item : x->items) CHECK(!item.title.empty());
    // The WFDY page holds one statement with a date no one can read.
    CHECK(x->bad_dates == (source.id == "wfdy" ? 1 : 0));
    CHECK(x->undated == 0);
    if (source.id == "kke-en") CHECK(rules->follows());
  }
  CHECK(pages == fixtures.size());
}
