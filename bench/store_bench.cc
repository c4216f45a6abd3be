// Store benchmark (issue 6, point 7): ingest through the store's real API
// (Store::Upsert, with dedup fingerprints and the search index), then a topic
// feed query on a store of 1M items. Not a test; run by hand:
//   store_bench [--ingest N] [--size N] [--dir DIR]
// DIR (default: a fresh temporary directory) keeps the databases.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using redwire::Item;
using redwire::UnixTime;
using redwire::store::Query;
using redwire::store::Store;

namespace {

constexpr int kSources = 200;
constexpr int kTopics = 20;
constexpr int kBatch = 50;  // items per Upsert: one parsed feed

const std::vector<std::string> kWords = {
    "workers", "strike", "party", "solidarity", "Cuba", "blockade", "NATO", "war", "people",
    "union", "struggle", "peace", "youth", "congress", "wages", "rights", "Palestine",
    "imperialism", "monopolies", "government", "capital", "socialism", "federation",
    "demonstration", "statement", "committee", "central", "Κούβα", "αλληλεγγύη", "απεργία",
    "huelga", "greve", "trabajadores", "trabalhadores", "забастовка", "elections", "rally",
    "pensions", "health", "education", "housing", "energy", "prices", "profits", "bases"};

// Natural text has a long-tailed vocabulary; a handful of words repeated
// would make every search term hit every item. Words are drawn Zipf-like
// from the list above followed by 30000 generated ones.
std::string Word(std::mt19937& gen) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto rank = static_cast<std::size_t>(std::pow(30000.0, u(gen))) - 1;
  if (rank < kWords.size()) return kWords[rank];
  static const char* kSyllables[] = {"ka", "lo", "ri", "ne", "ta", "mo", "pu", "se", "di", "ga",
                                     "vo", "le", "xi", "ro", "ba", "tu"};
  std::string w;
  for (std::size_t r = rank; r; r /= 16) w += kSyllables[r % 16];
  return w;
}

// A realistic item: a title, a ~60-word summary and, for half of them, a
// ~400-word article as content.
Item MakeItem(std::mt19937& gen, int n, UnixTime base) {
  auto words = [&](int count) {
    std::string s;
    for (int i = 0; i < count; ++i) {
      if (i) s += ' ';
      s += Word(gen);
    }
    return s;
  };
  Item it;
  it.source_id = "party-" + std::to_string(n % kSources);
  it.id = "https://party" + std::to_string(n % kSources) + ".example/news/" + std::to_string(n);
  it.guid = it.id;
  it.link = it.id;
  it.canonical_link = it.id;
  it.title = "Statement " + std::to_string(n) + ": " + words(8);
  it.summary_text = words(60);
  it.summary = "<p>" + it.summary_text + "</p>";
  if (n % 2) {
    it.content_text = words(400);
    it.content = "<p>" + it.content_text + "</p>";
  }
  it.published = base + n * 30;
  it.updated = it.published;
  it.language = "en";
  it.categories = {"news"};
  return it;
}

std::vector<std::string> TopicsOf(int n) {
  std::vector<std::string> t{"topic-" + std::to_string(n % kTopics)};
  if (n % 3 == 0) t.push_back("topic-" + std::to_string((n / 3) % kTopics));
  return t;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Ingests items [from, to) in feed-sized batches; returns the seconds spent
// inside Upsert.
double Ingest(Store& store, int from, int to, UnixTime base) {
  std::mt19937 gen(12345 + static_cast<unsigned>(from));
  double spent = 0;
  std::vector<Item> items;
  std::vector<std::vector<std::string>> topics;
  for (int n = from; n < to;) {
    items.clear();
    topics.clear();
    for (int i = 0; i < kBatch && n < to; ++i, ++n) {
      items.push_back(MakeItem(gen, n, base));
      topics.push_back(TopicsOf(n));
    }
    const auto t0 = Clock::now();
    auto stats = store.Upsert(items, topics);
    spent += Seconds(Clock::now() - t0);
    if (!stats.ok()) {
      std::fprintf(stderr, "upsert failed: %s\n", stats.error().message.c_str());
      std::exit(1);
    }
  }
  return spent;
}

std::unique_ptr<Store> OpenOrDie(const std::string& path, bool reader = false) {
  auto store = reader ? Store::OpenReader(path) : Store::Open(path);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    std::exit(1);
  }
  return std::move(store).value();
}

// Median and 95th percentile in ms of `runs` calls of the query.
void TimeQuery(Store& store, const char* label, const Query& query, int runs) {
  std::vector<double> ms;
  std::size_t rows = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    auto items = store.Items(query);
    ms.push_back(Seconds(Clock::now() - t0) * 1000);
    if (!items.ok()) {
      std::fprintf(stderr, "%s: %s\n", label, items.error().message.c_str());
      std::exit(1);
    }
    rows = items->size();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-44s %3zu items  median %7.3f ms  p95 %7.3f ms\n", label, rows, ms[ms.size() / 2],
              ms[ms.size() * 95 / 100]);
}

}  // namespace

int main(int argc, char** argv) {
  int ingest = 100'000;
  int size = 1'000'000;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--ingest") ingest = std::atoi(argv[i + 1]);
    else if (flag == "--size") size = std::atoi(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
  }
  spdlog::set_level(spdlog::level::warn);
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = (fs::temp_directory_path() / ("redwire-store-bench-" + std::to_string(::getpid()))).string();
  }
  fs::create_directories(dir);
  const UnixTime base = 1'700'000'000;

  {
    const std::string path = dir + "/ingest.db";
    fs::remove(path);
    auto store = OpenOrDie(path);
    const auto t0 = Clock::now();
    const double in_upsert = Ingest(*store, 0, ingest, base);
    const double wall = Seconds(Clock::now() - t0);
    std::printf("ingest %d new items, batches of %d: %.0f items/s in Upsert (%.2f s), %.0f items/s "
                "with item generation\n",
                ingest, kBatch, ingest / in_upsert, in_upsert, ingest / wall);
    // The common case: a feed polled again, nothing new.
    const double again = Ingest(*store, 0, ingest, base);
    std::printf("re-ingest the same %d items (unchanged): %.0f items/s\n", ingest, ingest / again);
  }

  const std::string big = dir + "/big.db";
  {
    auto store = OpenOrDie(big);
    auto count = store->CountItems();
    const int have = count.ok() ? static_cast<int>(count.value()) : 0;
    if (have < size) {
      std::printf("building a store of %d items...\n", size);
      std::fflush(stdout);
      const auto t0 = Clock::now();
      Ingest(*store, have, size, base);
      std::printf("  built in %.1f s\n", Seconds(Clock::now() - t0));
    }
  }
  auto reader = OpenOrDie(big, true);
  std::printf("store of %lld items, %.0f MB\n", static_cast<long long>(reader->CountItems().value()),
              static_cast<double>(fs::file_size(big)) / 1e6);
  Query topic;
  topic.topic = "topic-7";
  topic.limit = 50;
  TimeQuery(*reader, "topic feed, 50 entries", topic, 200);
  topic.dedup = true;
  TimeQuery(*reader, "topic feed, 50 entries, one per cluster", topic, 200);
  Query all;
  all.limit = 50;
  all.dedup = true;
  TimeQuery(*reader, "all items, 50 entries, one per cluster", all, 200);
  Query source;
  source.source = "party-42";
  source.limit = 50;
  TimeQuery(*reader, "source feed, 50 entries", source, 200);
  Query search;
  search.search = "blockade";
  search.limit = 50;
  TimeQuery(*reader, "search \"blockade\" (common word), 50 newest", search, 20);
  search.search = "\"Statement 123456\"";
  TimeQuery(*reader, "search \"Statement 123456\" (rare phrase)", search, 200);
  if (own_dir) fs::remove_all(dir);
  return 0;
}
