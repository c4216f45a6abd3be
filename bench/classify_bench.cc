// Classification cost per item against 100 topics (issue 7, point 8).
// Items are the real party feeds under tests/fixtures/{parse,feeds,e2e}
// (Greek, Russian, Portuguese, Spanish, English), parsed as the daemon
// parses them; the 100
// topics are the shipped feeds/topics.toml rules plus generated ones that
// use every construct (words, phrases, prefixes, scopes, NEAR, NOT, tags).
//
//   build/bench/classify_bench [ROUNDS]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "daemon/classify/classify.h"
#include "daemon/parse/parse.h"

namespace fs = std::filesystem;
using namespace redwire;

namespace {

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<Item> Corpus() {
  std::vector<Item> items;
  for (const char* sub : {"tests/fixtures/parse", "tests/fixtures/feeds", "tests/fixtures/e2e"}) {
    const fs::path dir = fs::path(REDWIRE_SOURCE_DIR) / sub;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".rss" && ext != ".atom" && ext != ".xml") continue;
      parse::Context context{"bench", "https://example.org/", "", 1700000000};
      auto feed = parse::ParseFeed(ReadAll(entry.path()), context);
      if (!feed.ok()) continue;
      for (auto& item : feed->items) items.push_back(std::move(item));
    }
  }
  return items;
}

std::vector<classify::TopicRule> Topics() {
  std::vector<classify::TopicRule> topics;
  const auto table = toml::parse_file((fs::path(REDWIRE_SOURCE_DIR) / "feeds/topics.toml").string());
  for (const auto& node : *table["topic"].as_array()) {
    const auto& t = *node.as_table();
    const std::string match = t["match"].value_or(std::string());
    if (match.empty()) continue;
    auto rule = classify::Rule::Compile(match);
    if (rule.ok()) topics.emplace_back(t["id"].value_or(std::string("t")), std::move(rule).value());
  }
  const char* words[] = {"strike", "cuba", "nato", "palestin", "youth", "congress", "election", "imperialis",
                         "worker", "peace", "war", "union", "απεργ", "κουβα", "νατο", "забастов",
                         "куба", "greve", "huelga", "partido"};
  const std::size_t n = sizeof words / sizeof *words;
  for (std::size_t i = 0; topics.size() < 100; ++i) {
    const std::string a = words[i % n];
    const std::string b = words[(i * 7 + 3) % n];
    const std::string c = words[(i * 11 + 5) % n];
    std::string rule;
    switch (i % 5) {
      case 0: rule = a + "* OR " + b + "* OR \"" + c + " party\""; break;
      case 1: rule = "title:(" + a + "* OR " + b + ") -" + c; break;
      case 2: rule = a + "* NEAR/5 " + b + "* OR text:" + c + "*"; break;
      case 3: rule = "(" + a + " OR " + b + "*) (tag:party OR lang:el OR lang:ru) -category:sport"; break;
      case 4: rule = "\"" + a + " " + b + "\" OR (" + c + "* AND NOT (" + a + " OR " + b + "))"; break;
    }
    auto compiled = classify::Rule::Compile(rule);
    if (!compiled.ok()) {
      std::fprintf(stderr, "rule %s: %s\n", rule.c_str(), compiled.error().message.c_str());
      std::exit(1);
    }
    topics.emplace_back("gen-" + std::to_string(i), std::move(compiled).value());
  }
  return topics;
}

// CPU time of this thread, so other work on a shared machine does not count.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
  const auto items = Corpus();
  const auto topics = Topics();
  if (items.empty()) {
    std::fprintf(stderr, "no items parsed from the fixtures\n");
    return 1;
  }
  std::size_t text_bytes = 0;
  for (const auto& item : items) text_bytes += item.title.size() + item.summary_text.size() + item.content_text.size();
  const std::vector<std::string> tags = {"party", "europe"};

  std::size_t matched = 0;
  const double c0 = CpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& item : items) matched += classify::Classify(topics, classify::Prepare(item, tags)).size();
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = CpuSeconds();
  // The matching alone, with each item folded once (as ingest folds once).
  std::vector<classify::MatchInput> prepared;
  for (const auto& item : items) prepared.push_back(classify::Prepare(item, tags));
  const auto t2 = std::chrono::steady_clock::now();
  const double c2 = CpuSeconds();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& input : prepared) matched += classify::Classify(topics, input).size();
  }
  const auto t3 = std::chrono::steady_clock::now();
  const double c3 = CpuSeconds();

  // Long articles: each item with about 4 KB of real text from the others
  // as its content, as a site that publishes full text would send.
  std::string pool;
  for (const auto& item : items) pool += item.title + ". " + item.summary_text + " ";
  while (!pool.empty() && pool.size() < 4096) pool += pool;
  std::vector<Item> longer = items;
  for (std::size_t i = 0; i < longer.size(); ++i) {
    const std::size_t from = (i * 997) % (pool.size() / 2);
    longer[i].content_text = pool.substr(from, 4096);
  }
  const int long_rounds = std::max(1, rounds / 10);
  const double c4 = CpuSeconds();
  for (int r = 0; r < long_rounds; ++r) {
    for (const auto& item : longer) matched += classify::Classify(topics, classify::Prepare(item, tags)).size();
  }
  const double c5 = CpuSeconds();

  const double n = static_cast<double>(items.size()) * rounds;
  const double total_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
  const double match_us = std::chrono::duration<double, std::micro>(t3 - t2).count() / n;
  std::printf("items %zu (avg %.0f bytes of text), topics %zu, rounds %d, topic hits %zu\n", items.size(),
              static_cast<double>(text_bytes) / static_cast<double>(items.size()), topics.size(), rounds,
              matched / 2);
  std::printf("fold + classify: %.2f us/item CPU (%.2f wall)\n", (c1 - c0) * 1e6 / n, total_us);
  std::printf("classify only (item folded once): %.2f us/item CPU (%.2f wall)\n", (c3 - c2) * 1e6 / n, match_us);
  std::printf("fold + classify, 4 KB articles: %.2f us/item CPU\n",
              (c5 - c4) * 1e6 / (static_cast<double>(longer.size()) * long_rounds));
  return 0;
}
