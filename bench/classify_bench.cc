// Classification cost per item against 100 topics with concepts and
// stemming (issue 16, speed).
//
// Topics: the shipped feeds/topics.toml rules with the shipped
// feeds/concepts.toml, loaded as the daemon loads them, plus generated
// rules up to 100 that reuse the shipped concepts in the shapes the shipped
// rules use (concept NEAR/n an OR of concepts, title: and text: scopes,
// NOT a concept, a concept beside a prefix or a quoted phrase).
//
// Items of title and summary: the records of
// feeds/topics/labelled.jsonl (real headlines and standfirsts in
// eleven languages), each with its language, so every word is stemmed.
//
// 4 KB articles: per language, the real text of that language (the
// labelled records' titles and summaries, then the text of the fixture feeds
// in tests/fixtures/{parse,feeds,e2e} that declare the language)
// concatenated and cut into 4096-byte pieces at word ends.
//
//   build/bench/classify_bench [ROUNDS]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/app/app.h"
#include "daemon/classify/classify.h"
#include "daemon/classify/labelled.h"
#include "daemon/parse/parse.h"

namespace fs = std::filesystem;
using namespace redwire;

namespace {

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

fs::path Source(const char* relative) { return fs::path(REDWIRE_SOURCE_DIR) / relative; }

std::vector<Item> LabelledItems() {
  auto records = classify::ReadLabelled(Source("feeds/topics/labelled.jsonl").string(), "all");
  if (!records.ok()) throw std::runtime_error(records.error().message);
  std::vector<Item> items;
  for (const auto& record : records.value()) items.push_back(classify::ItemOf(record, "bench"));
  return items;
}

// The fixture feeds' items, with their feed's language where the item
// names none.
std::vector<Item> FeedItems() {
  std::vector<Item> items;
  for (const char* sub : {"tests/fixtures/parse", "tests/fixtures/feeds", "tests/fixtures/e2e"}) {
    const fs::path dir = Source(sub);
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      const std::string ext = path.extension().string();
      if (ext != ".rss" && ext != ".atom" && ext != ".xml") continue;
      parse::Context context{"bench", "https://example.org/", "", 1700000000};
      auto feed = parse::ParseFeed(ReadAll(path), context);
      if (!feed.ok()) continue;
      for (auto& item : feed->items) {
        if (item.language.empty()) item.language = feed->meta.language;
        items.push_back(std::move(item));
      }
    }
  }
  return items;
}

std::string Primary(std::string lang) {
  lang = lang.substr(0, lang.find_first_of("-_"));
  for (char& c : lang) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lang;
}

// Pieces of 4096 bytes or a little less (cut after a space), cycling
// through the language's text; at most `count` per language.
std::vector<Item> Articles(const std::vector<Item>& labelled, const std::vector<Item>& feed_items,
                           std::size_t count) {
  std::map<std::string, std::string> text;
  for (const Item& item : labelled) text[Primary(item.language)] += item.title + ". " + item.summary_text + " ";
  for (const Item& item : feed_items) {
    const std::string lang = Primary(item.language);
    if (lang.empty()) continue;
    text[lang] += item.title + ". " + item.summary_text + " " + item.content_text + " ";
  }
  std::vector<Item> articles;
  for (auto& [lang, pool] : text) {
    if (lang.empty() || pool.size() < 1024) continue;
    std::size_t at = 0;
    for (std::size_t i = 0; i < count; ++i) {
      std::string piece;
      while (piece.size() < 4096) {
        if (at >= pool.size()) at = 0;
        std::size_t end = std::min(pool.size(), at + (4096 - piece.size()));
        if (end < pool.size()) {
          const std::size_t space = pool.rfind(' ', end);
          if (space != std::string::npos && space > at) end = space + 1;
        }
        piece.append(pool, at, end - at);
        at = end;
        if (piece.size() > 4000) break;
      }
      Item item;
      item.source_id = "bench";
      item.language = lang;
      // The first sentence stands for a title; the whole piece is the content.
      item.title = piece.substr(0, std::min<std::size_t>(piece.find(". "), 200));
      item.content_text = std::move(piece);
      articles.push_back(std::move(item));
    }
  }
  return articles;
}

// The shipped topics, then generated ones over the shipped concepts.
std::vector<classify::TopicRule> Topics(const app::LiveConfig& config) {
  std::vector<classify::TopicRule> topics = config.rules;
  std::vector<std::string> ids;
  for (const auto& [id, terms] : config.concepts) ids.push_back("@" + id);
  const std::size_t n = ids.size();
  const char* words[] = {"solidarity", "imperialis*", "\"general strike\"", "worker*", "peace",
                         "\"trade union\"", "protest", "εργατ*", "забастовк*", "huelga"};
  const std::size_t nw = sizeof words / sizeof *words;
  for (std::size_t i = 0; topics.size() < 100; ++i) {
    const std::string& a = ids[i % n];
    const std::string& b = ids[(i * 7 + 3) % n];
    const std::string& c = ids[(i * 11 + 5) % n];
    const std::string w = words[i % nw];
    std::string rule;
    switch (i % 6) {
      case 0: rule = a + " NEAR/8 (" + b + " OR " + c + ")"; break;
      case 1: rule = "title:" + a + " OR text:(" + b + " NEAR/10 " + c + ")"; break;
      case 2: rule = a + " (" + b + " OR " + w + ") -" + c; break;
      case 3: rule = "(" + a + " NEAR/5 " + w + ") OR (" + b + " AND " + c + ")"; break;
      case 4: rule = a + " OR " + b + " OR (" + c + " NEAR/3 " + w + ")"; break;
      case 5: rule = "(" + a + " OR " + w + ") (lang:el OR lang:ru OR tag:party OR " + b + ") -title:" + c; break;
    }
    auto compiled = classify::Rule::Compile(rule, config.concepts);
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

struct Measured {
  double prepare_and_classify = 0;  // µs per item
  double classify_only = 0;
  std::size_t hits = 0;
};

Measured Measure(const std::vector<classify::TopicRule>& topics, const std::vector<Item>& items, int rounds) {
  const std::vector<std::string> tags = {"party", "europe"};
  Measured m;
  const double n = static_cast<double>(items.size()) * rounds;
  double c0 = CpuSeconds();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& item : items) m.hits += classify::Classify(topics, classify::Prepare(item, tags)).size();
  }
  m.prepare_and_classify = (CpuSeconds() - c0) * 1e6 / n;
  std::vector<classify::MatchInput> prepared;
  for (const auto& item : items) prepared.push_back(classify::Prepare(item, tags));
  c0 = CpuSeconds();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& input : prepared) classify::Classify(topics, input);
  }
  m.classify_only = (CpuSeconds() - c0) * 1e6 / n;
  m.hits /= static_cast<std::size_t>(rounds);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 100;
  auto config = app::LoadConfig(Source("feeds").string());
  if (!config.ok()) {
    std::fprintf(stderr, "feeds/: %s\n", config.error().message.c_str());
    return 1;
  }
  const auto topics = Topics(*config.value());
  const auto items = LabelledItems();
  const auto articles = Articles(items, FeedItems(), 20);
  if (items.empty() || articles.empty()) {
    std::fprintf(stderr, "no items from the fixtures\n");
    return 1;
  }
  std::size_t bytes = 0;
  for (const auto& item : items) bytes += item.title.size() + item.summary_text.size();
  std::printf("topics %zu (%zu shipped), concepts %zu, rounds %d\n", topics.size(), config.value()->rules.size(),
              config.value()->concepts.size(), rounds);

  const Measured short_items = Measure(topics, items, rounds);
  std::printf("title+summary: %zu items (avg %.0f bytes), %zu topic hits\n", items.size(),
              static_cast<double>(bytes) / static_cast<double>(items.size()), short_items.hits);
  std::printf("  prepare + classify: %.2f us/item CPU\n", short_items.prepare_and_classify);
  std::printf("  classify only:      %.2f us/item CPU\n", short_items.classify_only);

  std::map<std::string, std::vector<Item>> by_lang;
  for (const auto& a : articles) by_lang[a.language].push_back(a);
  const int long_rounds = std::max(1, rounds / 5);
  const Measured long_items = Measure(topics, articles, long_rounds);
  std::printf("4 KB articles: %zu in %zu languages, %zu topic hits\n", articles.size(), by_lang.size(),
              long_items.hits);
  std::printf("  prepare + classify: %.2f us/item CPU\n", long_items.prepare_and_classify);
  std::printf("  classify only:      %.2f us/item CPU\n", long_items.classify_only);
  for (const auto& [lang, list] : by_lang) {
    const Measured m = Measure(topics, list, long_rounds);
    std::printf("  %-3s prepare + classify %.2f, classify only %.2f us/item CPU\n", lang.c_str(),
                m.prepare_and_classify, m.classify_only);
  }
  return 0;
}
