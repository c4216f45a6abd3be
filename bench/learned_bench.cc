// The learned second signal (issue 16, point 6): training time at start-up
// and the model's cost per item, beside classify_bench's rule figures.
// Training: the dev part of feeds/topics/labelled.jsonl (real
// headlines), and a 5 000-record set made of its dev records' titles and
// summaries paired two by two (the same words, in new combinations).
// Items: the real party feeds under tests/fixtures/{parse,feeds,e2e}, as
// title + summary and as 4 KB full-text articles.
//
//   build/bench/learned_bench [ROUNDS]
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/classify/classify.h"
#include "daemon/classify/labelled.h"
#include "daemon/classify/learned.h"
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

// CPU time of this thread, so other work on a shared machine does not count.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

const char* kTopic = "war-and-nato";

// Features for every record, then one topic's training: what a start-up
// with one model costs (each further topic costs only its training).
void TimeTraining(const std::vector<classify::LabelledRecord>& records, const char* what) {
  const double c0 = CpuSeconds();
  classify::TrainingSet set;
  for (const auto& r : records) {
    set.features.push_back(classify::FeaturesOf(classify::Prepare(classify::ItemOf(r, "bench"))));
    set.topics.push_back(r.topics);
  }
  const double c1 = CpuSeconds();
  auto model = classify::TrainTopic(set, kTopic);
  const double c2 = CpuSeconds();
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.error().message.c_str());
    std::exit(1);
  }
  std::printf("%s: %zu records: features %.1f ms, training one topic %.1f ms CPU\n", what, records.size(),
              (c1 - c0) * 1e3, (c2 - c1) * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
  const std::string corpus = std::string(REDWIRE_SOURCE_DIR) + "/feeds/topics/labelled.jsonl";
  auto dev = classify::ReadLabelled(corpus, "dev");
  if (!dev.ok()) {
    std::fprintf(stderr, "%s\n", dev.error().message.c_str());
    return 1;
  }
  TimeTraining(dev.value(), "dev part");
  std::vector<classify::LabelledRecord> many;
  const std::size_t n = dev.value().size();
  for (std::size_t i = 0; many.size() < 5000; ++i) {
    classify::LabelledRecord r = dev.value()[i % n];
    const classify::LabelledRecord& other = dev.value()[(i * 7 + i / n) % n];
    r.title += " " + other.title;
    r.summary += " " + other.summary;
    many.push_back(std::move(r));
  }
  TimeTraining(many, "paired");

  auto set = classify::ReadTrainingSet(corpus);
  if (!set.ok()) return 1;
  auto model = classify::TrainTopic(set.value(), kTopic);
  if (!model.ok()) return 1;
  const auto items = Corpus();
  std::string pool;
  for (const auto& item : items) pool += item.title + ". " + item.summary_text + " ";
  while (!pool.empty() && pool.size() < 8192) pool += pool;
  std::vector<Item> longer = items;
  for (std::size_t i = 0; i < longer.size(); ++i) longer[i].content_text = pool.substr((i * 997) % (pool.size() / 2), 4096);

  const std::vector<Item>* lists[] = {&items, &longer};
  for (const std::vector<Item>* list : lists) {
    std::vector<classify::MatchInput> prepared;
    for (const auto& item : *list) prepared.push_back(classify::Prepare(item, {"party"}));
    double sum = 0;
    const double c0 = CpuSeconds();
    for (int r = 0; r < rounds; ++r) {
      for (const auto& input : prepared) sum += model.value().Probability(classify::FeaturesOf(input));
    }
    const double c1 = CpuSeconds();
    std::vector<classify::ModelFeatures> features;
    for (const auto& input : prepared) features.push_back(classify::FeaturesOf(input));
    const double c2 = CpuSeconds();
    for (int r = 0; r < rounds; ++r) {
      for (const auto& f : features) sum += model.value().Probability(f);
    }
    const double c3 = CpuSeconds();
    const double per = static_cast<double>(prepared.size()) * rounds;
    std::printf("%s: %zu items: features + p %.2f us/item, p alone (one more topic) %.3f us/item CPU (mean p %.3f)\n",
                list == &items ? "title + summary" : "4 KB articles", prepared.size(), (c1 - c0) * 1e6 / per,
                (c3 - c2) * 1e6 / per, sum / (2 * per));
  }
  return 0;
}
