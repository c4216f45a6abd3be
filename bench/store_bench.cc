// Store benchmark (issue 6, point 7): ingest through the store's real API
// (Store::Upsert per feed, and Store::UpsertMany of several feeds; with dedup
// fingerprints and the search index), then a topic feed query on a store of
// 1M items. Not a test; run by hand:
//   store_bench [--ingest N] [--size N] [--dir DIR]
// DIR (default: a fresh temporary directory) keeps the databases.
#include <spdlog/spdlog.h>
#include <time.h>
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
constexpr int kGroup = 16;  // feeds per UpsertMany: half the fetcher's 32 transfers at once

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
  // One batch is one source's feed, as the daemon stores them.
  const int source = (n / kBatch) % kSources;
  it.source_id = "party-" + std::to_string(source);
  it.id = "https://party" + std::to_string(source) + ".example/news/" + std::to_string(n);
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

// CPU seconds of this process: on a shared machine wall time also counts the
// time other processes held the cores.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Spent {
  double wall = 0;
  double cpu = 0;
};

// Ingests items [from, to) in feed-sized batches, `feeds` batches per call
// (1: Store::Upsert per feed; more: Store::UpsertMany, as the daemon's
// ingester groups the feeds fetched in one turn of its loop). Returns the
// time spent inside the store.
Spent Ingest(Store& store, int from, int to, UnixTime base, int feeds = 1) {
  std::mt19937 gen(12345 + static_cast<unsigned>(from));
  Spent spent;
  std::vector<std::vector<Item>> items(static_cast<std::size_t>(feeds));
  std::vector<std::vector<std::vector<std::string>>> topics(items.size());
  std::vector<redwire::store::UpsertBatch> batches;
  for (int n = from; n < to;) {
    batches.clear();
    for (std::size_t f = 0; f < items.size() && n < to; ++f) {
      items[f].clear();
      topics[f].clear();
      for (int i = 0; i < kBatch && n < to; ++i, ++n) {
        items[f].push_back(MakeItem(gen, n, base));
        topics[f].push_back(TopicsOf(n));
      }
      batches.push_back({items[f], topics[f]});
    }
    const auto t0 = Clock::now();
    const double c0 = CpuSeconds();
    const bool ok = feeds == 1 ? store.Upsert(items[0], topics[0]).ok() : store.UpsertMany(batches).ok();
    spent.cpu += CpuSeconds() - c0;
    spent.wall += Seconds(Clock::now() - t0);
    if (!ok) {
      std::fprintf(stderr, "upsert failed\n");
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

void PrintLoad(const char* when) {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) {
    std::printf("load average %s: %.2f %.2f %.2f\n", when, load[0], load[1], load[2]);
  }
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

  PrintLoad("before ingest");
  {
    const std::string path = dir + "/ingest.db";
    fs::remove(path);
    auto store = OpenOrDie(path);
    const Spent fresh = Ingest(*store, 0, ingest, base);
    std::printf("ingest %d new items, Upsert per feed of %d: %.0f items/s (%.2f s wall), "
                "%.0f items per CPU second (%.2f s CPU)\n",
                ingest, kBatch, ingest / fresh.wall, fresh.wall, ingest / fresh.cpu, fresh.cpu);
    // The common case: a feed polled again, nothing new.
    const Spent again = Ingest(*store, 0, ingest, base);
    std::printf("re-ingest the same %d items (unchanged): %.0f items/s wall, %.0f per CPU second\n",
                ingest, ingest / again.wall, ingest / again.cpu);
  }
  {
    // Opening folds the leads of the 14-day window again (docs/store.md,
    // duplicates); every item just ingested is in it.
    const auto w0 = Clock::now();
    const double c0 = CpuSeconds();
    auto store = OpenOrDie(dir + "/ingest.db");
    std::printf("open a store with %d items in its dedup window: %.2f s wall, %.2f s CPU\n", ingest,
                std::chrono::duration<double>(Clock::now() - w0).count(), CpuSeconds() - c0);
  }
  PrintLoad("before grouped ingest");
  {
    const std::string path = dir + "/grouped.db";
    fs::remove(path);
    auto store = OpenOrDie(path);
    const Spent fresh = Ingest(*store, 0, ingest, base, kGroup);
    std::printf("ingest %d new items, UpsertMany of %d feeds: %.0f items/s (%.2f s wall), "
                "%.0f items per CPU second (%.2f s CPU)\n",
                ingest, kGroup, ingest / fresh.wall, fresh.wall, ingest / fresh.cpu, fresh.cpu);
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
      Ingest(*store, have, size, base, kGroup);
      std::printf("  built in %.1f s\n", Seconds(Clock::now() - t0));
    }
  }
  PrintLoad("before queries");
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
  search.source = "party-42";  // 1 in 200 of the matches: the bounded scan's worst case
  TimeQuery(*reader, "search \"blockade\" in one source's items", search, 20);
  search.source.reset();
  search.search = "\"Statement 123456\"";
  TimeQuery(*reader, "search \"Statement 123456\" (rare phrase)", search, 200);
  if (own_dir) fs::remove_all(dir);
  return 0;
}
