// Feed parsing speed (issue 3 point 9): a 5 MB, 5000-item RSS feed and a
// set of 1000 small feeds, parsed by redwire (full normalisation: dates,
// ids, sanitised HTML, plain text), by pugixml alone (the bare XML parse of
// the same bytes) and, in the same run, by Debian's python3-feedparser.
//
// usage: parse_bench [DIR]   writes the corpus to DIR (default: a new
// directory under /tmp), prints a Markdown table. Needs /usr/bin/python3
// with python3-feedparser for the feedparser column.
//
// Each figure is the best of three runs, as wall-clock time and as the
// process's CPU time: on a shared machine the wall clock mostly measures
// the scheduler, so the ratios are given for both.
#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "daemon/parse/parse.h"

namespace {

namespace fs = std::filesystem;

constexpr int kBigItems = 5000;
constexpr int kSmallFeeds = 1000;
constexpr int kSmallItems = 10;
constexpr int kRuns = 3;

const char* kTitles[] = {
    "Solidarity with the people of Cuba against the blockade",
    "Αλληλεγγύη στον λαό της Κούβας ενάντια στον αποκλεισμό",
    "Solidaridad con Cuba: «fin al bloqueo»",
    "Солидарность с Кубой: заявление Президиума ЦК",
    "Grevdeki işçilerle dayanışma büyüyor",
};

const char* kParagraphs[] = {
    "The Communist Party condemns the imperialist war plans of NATO and the EU and calls the "
    "workers to strengthen the struggle for their rights, against the anti-people policies.",
    "Το ΚΚΕ καλεί τους εργαζόμενους να δυναμώσουν την πάλη για τα δικαιώματά τους, ενάντια "
    "στην αντιλαϊκή πολιτική και τους ιμπεριαλιστικούς πολέμους.",
    "El Partido exige el fin del bloqueo económico, comercial y financiero impuesto por los "
    "Estados Unidos contra Cuba desde hace más de seis décadas.",
};

std::string Item(int i) {
  const std::string n = std::to_string(i);
  std::string item = "<item>\n<title>" + std::string(kTitles[i % 5]) + " (" + n + ")</title>\n";
  item += "<link>https://www.example.org/articles/" + n + "/?utm_source=rss</link>\n";
  item += "<guid isPermaLink=\"false\">example-" + n + "</guid>\n";
  item += "<pubDate>Mon, 0" + std::to_string(1 + i % 9) + " Mar 2025 1" + std::to_string(i % 10) +
          ":30:00 +0200</pubDate>\n";
  item += "<dc:creator>Press Office</dc:creator>\n<category>International</category>\n";
  item += "<category>Cuba</category>\n";
  item += "<description><![CDATA[<p>" + std::string(kParagraphs[i % 3]) + "</p>]]></description>\n";
  item += "<content:encoded><![CDATA[<p><img src=\"/img/" + n + ".jpg\" alt=\"photo\"> " +
          kParagraphs[(i + 1) % 3] + "</p><p><a href=\"/articles/" + std::to_string(i + 1) +
          "/\">Next</a> " + kParagraphs[(i + 2) % 3] + "</p><ul><li>" + kParagraphs[i % 3] +
          "</li></ul>]]></content:encoded>\n</item>\n";
  return item;
}

std::string Feed(int first, int count) {
  std::string feed =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<title>Bench feed</title>\n"
      "<link>https://www.example.org/</link>\n<description>Benchmark</description>\n";
  for (int i = first; i < first + count; ++i) feed += Item(i);
  return feed + "</channel>\n</rss>\n";
}

void Write(const fs::path& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

struct Timing {
  double wall = 0;  // seconds
  double cpu = 0;   // seconds of this process's CPU time
};

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Best of kRuns.
Timing Time(const std::function<void()>& fn) {
  Timing best{1e300, 1e300};
  for (int r = 0; r < kRuns; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const double start_cpu = CpuSeconds();
    fn();
    best.cpu = std::min(best.cpu, CpuSeconds() - start_cpu);
    best.wall = std::min(best.wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

struct Python {
  Timing big, small;
  bool ok = false;
};

Python RunFeedparser(const fs::path& dir) {
  Python p;
  const std::string command = "/usr/bin/python3 " + std::string(REDWIRE_SOURCE_DIR) +
                              "/bench/parse_feedparser.py " + dir.string();
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return p;
  char line[256];
  int found = 0;
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    Timing t;
    long count;
    if (std::sscanf(line, "big %lf %lf %ld", &t.wall, &t.cpu, &count) == 3) p.big = t, ++found;
    if (std::sscanf(line, "small %lf %lf %ld", &t.wall, &t.cpu, &count) == 3) p.small = t, ++found;
  }
  p.ok = pclose(pipe) == 0 && found == 2;
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  if (argc > 1) {
    dir = argv[1];
  } else {
    char templ[] = "/tmp/redwire-parse-bench-XXXXXX";
    if (mkdtemp(templ) == nullptr) return 1;
    dir = templ;
  }
  fs::create_directories(dir / "small");
  const std::string big = Feed(0, kBigItems);
  Write(dir / "big.rss", big);
  std::vector<std::string> small;
  for (int f = 0; f < kSmallFeeds; ++f) {
    small.push_back(Feed(f * kSmallItems, kSmallItems));
    char name[32];
    std::snprintf(name, sizeof name, "%04d.rss", f);
    Write(dir / "small" / name, small.back());
  }
  std::size_t small_bytes = 0;
  for (const auto& s : small) small_bytes += s.size();

  redwire::parse::Context context;
  context.source_id = "bench";
  context.base_url = "https://www.example.org/feed/";
  context.now = 1741600800;
  context.max_items = kBigItems;

  std::size_t items = 0;
  const Timing redwire_big = Time([&] {
    auto parsed = redwire::parse::ParseFeed(big, context);
    items = parsed.ok() ? parsed->items.size() : 0;
  });
  const Timing pugi_big = Time([&] {
    pugi::xml_document doc;
    doc.load_buffer(big.data(), big.size(), pugi::parse_default, pugi::encoding_utf8);
  });
  std::size_t small_ok = 0;
  const Timing redwire_small = Time([&] {
    small_ok = 0;
    for (const auto& s : small) small_ok += redwire::parse::ParseFeed(s, context).ok();
  });
  const Timing pugi_small = Time([&] {
    for (const auto& s : small) {
      pugi::xml_document doc;
      doc.load_buffer(s.data(), s.size(), pugi::parse_default, pugi::encoding_utf8);
    }
  });
  const Python python = RunFeedparser(dir);

  const double mb = big.size() / 1e6;
  const double small_mb = small_bytes / 1e6;
  std::printf("corpus: %s (big.rss %.2f MB, %zu items normalised; %d small feeds, %.2f MB)\n\n",
              dir.c_str(), mb, items, kSmallFeeds, small_mb);
  std::printf("| parser | 5 MB feed: wall s | CPU s | MB/s (CPU) | 1000 small feeds: wall s | CPU s "
              "| feeds/s (CPU) |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  const auto row = [&](const char* name, Timing b, Timing s) {
    std::printf("| %s | %.3f | %.3f | %.1f | %.3f | %.3f | %.0f |\n", name, b.wall, b.cpu, mb / b.cpu,
                s.wall, s.cpu, kSmallFeeds / s.cpu);
  };
  row("redwire ParseFeed (full normalisation)", redwire_big, redwire_small);
  row("pugixml bare parse", pugi_big, pugi_small);
  if (python.ok) {
    row("python3-feedparser", python.big, python.small);
    std::printf("\nredwire vs feedparser: %.1fx (big), %.1fx (small) in CPU time; "
                "%.1fx, %.1fx in wall-clock time\n",
                python.big.cpu / redwire_big.cpu, python.small.cpu / redwire_small.cpu,
                python.big.wall / redwire_big.wall, python.small.wall / redwire_small.wall);
  } else {
    std::printf("\n(feedparser not run: needs /usr/bin/python3 with python3-feedparser)\n");
  }
  std::printf("redwire vs bare pugixml: %.1fx slower (big), %.1fx slower (small) in CPU time; "
              "%.1fx, %.1fx in wall-clock time\n",
              redwire_big.cpu / pugi_big.cpu, redwire_small.cpu / pugi_small.cpu,
              redwire_big.wall / pugi_big.wall, redwire_small.wall / pugi_small.wall);
  return items == static_cast<std::size_t>(kBigItems) && small_ok == small.size() ? 0 : 1;
}
