// Item extraction from a 500 KB listing page (issue 4, point 9): the SolidNet
// fixture's rows repeated with distinct titles, links, dates and teasers
// until the page reaches the size, extracted with the shipped-style rules.
// Reports the median and the best of ROUNDS runs of: gumbo's parse alone,
// scrape::Extract without summaries, with sanitised summaries, and
// scrape::Suggest finding the list and its rules with none given.
//
//   build/bench/scrape_bench [ROUNDS] [KB]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/scrape/scrape.h"
#include "daemon/scrape/suggest.h"

namespace fs = std::filesystem;
using namespace redwire;

namespace {

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The fixture's head and tail around `kb` KB of generated rows.
std::string Page(std::size_t kb, int& rows) {
  const std::string fixture = ReadAll(fs::path(REDWIRE_SOURCE_DIR) / "tests/fixtures/scrape/solidnet-news.html");
  const std::size_t open = fixture.find("<div class=\"view-content\">") + 26;
  const std::size_t close = fixture.find("<nav class=\"pager\"");
  std::string page = fixture.substr(0, open);
  rows = 0;
  while (page.size() < kb * 1024) {
    const int n = rows++;
    page += "<div class=\"views-row\"><article role=\"article\" class=\"node node--type-article node--view-mode-teaser\">"
            "<h3 class=\"node__title\"><a href=\"/article/Statement-number-" + std::to_string(n) +
            "-of-the-communist-and-workers-parties\" rel=\"bookmark\"><span class=\"field\">Statement number " +
            std::to_string(n) + " of the communist and workers' parties</span></a></h3>"
            "<div class=\"node__meta\"><span class=\"date\">" + std::to_string(1 + n % 12) + "/" +
            std::to_string(1 + n % 28) + "/24, " + std::to_string(1 + n % 12) + ":" + std::to_string(10 + n % 50) +
            " " + (n % 2 ? "AM" : "PM") + "</span></div>"
            "<div class=\"field field--name-field-tags\">Greece, Communist Party of Greece En Europe</div>"
            "<div class=\"clearfix text-formatted field field--name-body\"><p>The party <b>condemns</b> the "
            "imperialist war and calls on the working class &amp; the people to struggle. <a href=\"/tags/war\">War</a>"
            " — solidarity with the peoples of Palestine, Cuba and Syria.</p></div></article></div>\n";
  }
  return page + fixture.substr(close);
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 50;
  const std::size_t kb = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 500;
  int rows = 0;
  const std::string page = Page(kb, rows);

  scrape::RuleText text;
  text.item = "div.view-news div.views-row";
  text.title = "h3.node__title a";
  text.link = "h3.node__title a @href";
  text.date = "span.date";
  text.date_format = "%m/%d/%y, %I:%M %p";
  text.summary = "div.field--name-body";
  text.paginate = "li.pager__item--next a";
  auto rules = scrape::Rules::Compile(text);
  if (!rules.ok()) {
    std::fprintf(stderr, "rules: %s\n", rules.error().message.c_str());
    return 1;
  }
  auto time = [&](auto&& run) {
    std::vector<double> ms;
    for (int i = 0; i < std::max(rounds, 1); ++i) {
      const auto start = std::chrono::steady_clock::now();
      run();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return std::pair<double, double>{ms[ms.size() / 2], ms.front()};
  };
  const scrape::Page where{"bench", "https://www.solidnet.org/news", "en", 1700000000};
  std::size_t items = 0;
  bool failed = false;
  auto extract = [&](const scrape::Rules& r) {
    auto out = scrape::Extract(page, r, where);
    if (!out.ok()) failed = true;
    else items = out->items.size();
  };
  // gumbo's tree building plus one walk of the tree: the floor under any
  // extraction from this page.
  const auto none = scrape::Selector::Compile("no-such-element").value();
  const auto parse = time([&] { scrape::SelectValues(page, none); });
  scrape::RuleText lean = text;
  lean.summary.clear();
  auto lean_rules = scrape::Rules::Compile(lean);
  const auto without_summary = time([&] { extract(lean_rules.value()); });
  const auto full = time([&] { extract(rules.value()); });
  // Issue 17: the same page without rules. The list, its rules and its
  // items, ranked against the page's other candidate lists.
  std::size_t suggested = 0, lists = 0;
  std::string picked;
  const auto suggest = time([&] {
    auto found = scrape::Suggest(page, where, 5);
    if (!found.ok() || found->empty()) {
      failed = true;
      return;
    }
    lists = found->size();
    suggested = found->front().extraction.items.size();
    picked = found->front().rules.item;
  });
  if (failed) {
    std::fprintf(stderr, "extract failed\n");
    return 1;
  }
  std::printf("page %zu KB, %d rows, %zu items (cap %zu), %d rounds; median (best) ms\n", page.size() / 1024, rows,
              items, scrape::kMaxItemsPerPage, std::max(rounds, 1));
  std::printf("  gumbo parse + one tree walk      %8.2f (%.2f)\n", parse.first, parse.second);
  std::printf("  extract: title, link, date       %8.2f (%.2f)\n", without_summary.first, without_summary.second);
  std::printf("  extract: + sanitised summaries   %8.2f (%.2f)\n", full.first, full.second);
  std::printf("  suggest (no rules): %zu lists, best '%s' with %zu items\n", lists, picked.c_str(), suggested);
  std::printf("  suggest                          %8.2f (%.2f)\n", suggest.first, suggest.second);
  return 0;
}
