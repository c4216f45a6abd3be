// A real store and configuration in a temporary directory, for the feed
// tests: three sources, three topics, items in Greek, Spanish, Portuguese
// and English, classified by the configured rules exactly as ingest does.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "daemon/live/live.h"
#include "daemon/classify/classify.h"
#include "store/store.h"

namespace feeds_test {

namespace fs = std::filesystem;

inline std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "redwire-feeds-XXXXXX").string();
    REQUIRE(mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline std::string Config(int feed_entries, const std::string& extra_settings) {
  return R"toml([redwire]
public_url = "http://news.example.org"
feed_entries = )toml" + std::to_string(feed_entries) + "\n" + extra_settings + R"toml(

[[source]]
id = "kke-en"
name = "Communist Party of Greece (KKE)"
url = "https://inter.kke.gr/en/rss"
tags = ["party", "europe"]

[[source]]
id = "pce"
name = "Partido Comunista de España"
url = "https://www.pce.es/feed/"
tags = ["party", "europe"]

[[source]]
id = "kne"
name = "Communist Youth of Greece (KNE)"
url = "https://www.kne.gr/feed"
tags = ["youth"]

[[topic]]
id = "cuba-solidarity"
title = "Cuba solidarity"
match = 'cuba* OR κουβα* OR havana OR habana'

[[topic]]
id = "labour"
title = "Strikes & labour <struggles>"
match = 'strike* OR huelga* OR απεργ* OR greve*'

[[topic]]
id = "youth"
title = "Youth"
tags = ["youth"]
)toml";
}

inline redwire::Item MakeItem(const std::string& source, int n, const std::string& title,
                              const std::string& summary, redwire::UnixTime published,
                              const std::string& lang) {
  redwire::Item item;
  item.source_id = source;
  item.id = "https://example.org/" + source + "/" + std::to_string(n);
  item.guid = item.id;
  item.link = item.id;
  item.canonical_link = item.id;
  item.title = title;
  item.summary = "<p>" + summary + "</p>";
  item.summary_text = summary;
  item.published = published;
  item.updated = published;
  item.language = lang;
  item.author = n % 2 == 0 ? "Press office" : "";
  return item;
}

// The items every feed test starts from, newest last.
inline std::vector<redwire::Item> Corpus() {
  const redwire::UnixTime t0 = 1709629200;  // 2024-03-05T09:00:00Z
  std::vector<redwire::Item> items = {
      MakeItem("kke-en", 1, "Solidarity with socialist Cuba", "KKE condemns the US blockade of Cuba.", t0, "en"),
      MakeItem("pce", 2, "Huelga general el 29 de marzo", "El PCE apoya la huelga general & <la lucha>.",
               t0 + 3600, "es"),
      MakeItem("kke-en", 3, "Dockers' strike in Piraeus", "Workers stopped loading NATO ships.", t0 + 7200,
               "en"),
      MakeItem("kne", 4, "ΚΝΕ: Αλληλεγγύη στην Κούβα", "Φεστιβάλ αλληλεγγύης στον λαό της Κούβας.",
               t0 + 10800, "el"),
      MakeItem("pce", 5, "Encuentro en La Habana", "Delegación del PCE en La Habana.", t0 + 14400, "es"),
  };
  // No link: Atom then needs content; text with characters XML forbids.
  items[2].link.clear();
  items[2].content = "<p>Full text: 5 &lt; 6 and ]]&gt; stays text</p>";
  items[2].content_text = "Full text: 5 < 6 and ]]> stays text";
  items[1].categories = {"Trabajo", "Huelga"};
  items[4].enclosures = {{"https://www.pce.es/media/habana.jpg", "image/jpeg", 12345}};
  items[0].title += "\x01";  // a C0 control must not reach the XML
  return items;
}

struct World {
  TempDir dir;
  std::unique_ptr<redwire::store::Store> store;
  std::shared_ptr<const redwire::app::LiveConfig> config;

  explicit World(int feed_entries = 50, const std::string& extra_settings = "") {
    fs::create_directories(dir.path / "config");
    WriteText(dir.path / "config" / "feeds.toml", Config(feed_entries, extra_settings));
    auto loaded = redwire::app::LoadConfig((dir.path / "config").string());
    if (!loaded.ok()) FAIL(loaded.error().message);
    config = loaded.value();
    auto opened = redwire::store::Store::Open((dir.path / "redwire.db").string());
    if (!opened.ok()) FAIL(opened.error().message);
    store = std::move(opened).value();
    Add(Corpus());
  }

  // Stores `items` classified by the configured topics, as the ingester
  // does, and reports the change to the configuration's journal.
  redwire::store::UpsertStats Add(const std::vector<redwire::Item>& items) {
    std::vector<std::vector<std::string>> topics;
    for (const auto& item : items) {
      const auto* source = config->source(item.source_id);
      topics.push_back(redwire::classify::Classify(
          config->rules, redwire::classify::Prepare(item, source ? source->tags : std::vector<std::string>{})));
    }
    auto stats = store->Upsert(items, topics);
    if (!stats.ok()) FAIL(stats.error().message);
    for (const auto& item : items) {
      std::vector<std::vector<std::string>> one;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].source_id == item.source_id) one.push_back(topics[i]);
      }
      config->changes->Note(item.source_id, one);
    }
    return stats.value();
  }
};

}  // namespace feeds_test
