// The [source.scrape] keys of issue 17: auto = true, dates from outside the
// item (date = "@link", date_group, date_page) and the per-field patterns,
// read from real TOML files, and their errors at their own lines.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "daemon/config/config.h"

namespace fs = std::filesystem;
using redwire::config::LoadCatalog;

namespace {

struct ConfigDir {
  fs::path path;
  ConfigDir() {
    path = fs::temp_directory_path() / ("redwire-config-scrape-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~ConfigDir() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
  std::string str() const { return path.string(); }
};

}  // namespace

TEST_CASE("[source.scrape] reads auto, date_group, date_page and the patterns") {
  ConfigDir dir;
  dir.Write("pages.toml", R"([[source]]
id  = "youth"
url = "https://youth.example/statements/"
[source.scrape]
auto = true
follow = true
content = "div.entry-content"

[[source]]
id  = "paper"
url = "https://paper.example/"
[source.scrape]
item = "div.entry"
date = "@link"
date_pattern = '/(\d{4}/\d{2}/\d{2})/'
date_format = "%Y/%m/%d"
date_group = "h2.date-header"
date_page = "div.masthead .today"
title_pattern = '\]\s*(.+)'
link_pattern = '^[^?]+'
summary_pattern = '^(.{0,200})'
author_pattern = 'by:\s*(.*)'
image_pattern = '^(.*\.jpg)'
)");
  auto catalog = LoadCatalog(dir.str());
  INFO((catalog.ok() ? std::string() : catalog.error().message));
  REQUIRE(catalog.ok());
  const auto& youth = catalog->sources[0];
  CHECK(youth.has_scrape);
  CHECK(youth.scrape.auto_suggest);
  CHECK(redwire::scrape::HasRules(youth.scrape));
  CHECK(youth.scrape.item.empty());
  const auto& paper = catalog->sources[1].scrape;
  CHECK_FALSE(paper.auto_suggest);
  CHECK(paper.date == "@link");
  CHECK(paper.date_pattern == R"(/(\d{4}/\d{2}/\d{2})/)");
  CHECK(paper.date_group == "h2.date-header");
  CHECK(paper.date_page == "div.masthead .today");
  CHECK(paper.title_pattern == R"(\]\s*(.+))");
  CHECK(paper.link_pattern == "^[^?]+");
  CHECK(paper.summary_pattern == "^(.{0,200})");
  CHECK(paper.author_pattern == R"(by:\s*(.*))");
  CHECK(paper.image_pattern == R"(^(.*\.jpg))");
}

TEST_CASE("a bad pattern, an unknown date_lang and auto with item are errors at their keys") {
  const std::pair<const char*, const char*> cases[] = {
      {"item = \"li\"\ndate_pattern = '(unclosed'\n", "bad.toml:6:17: source 'x': scrape date_pattern: bad regular expression"},
      {"item = \"li\"\ndate_lang = \"klingon\"\n", "bad.toml:6:14: source 'x': scrape date_lang: unknown language 'klingon'"},
      {"auto = true\nitem = \"li\"\n", "source 'x': scrape item: auto = true finds the item list itself"},
      {"item = \"li\"\ndate_group = \"h2..x\"\n", "source 'x': scrape date_group: expected a name after '.'"},
      {"auto = \"yes\"\n", "'auto' must be true or false"},
  };
  for (const auto& [rules, expected] : cases) {
    ConfigDir dir;
    dir.Write("bad.toml", std::string("[[source]]\nid  = \"x\"\nurl = \"https://example.org/\"\n[source.scrape]\n") + rules);
    auto catalog = LoadCatalog(dir.str());
    INFO(rules);
    REQUIRE_FALSE(catalog.ok());
    INFO(catalog.error().message);
    CHECK(catalog.error().message.find(expected) != std::string::npos);
  }
}
