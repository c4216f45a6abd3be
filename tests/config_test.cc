#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
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
  CHECK(m.find("a.toml:7:8: unknown key 'urll'") != std::string::npos);
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
