// Pages without rules (issue 17): `Suggest` on listing pages of the CMS
// families of the field (tests/fixtures/scrape/suggest/, each beside the
// items it must give in NAME.expected.tsv), the rules that take dates from
// outside the item, the operator-friendly defaults, `auto = true`, and the
// `redwire scrape --suggest` command run as the real binary.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/scrape/scrape.h"
#include "daemon/scrape/suggest.h"

using redwire::Item;
using redwire::UnixTime;
using redwire::scrape::Extraction;
using redwire::scrape::Page;
using redwire::scrape::Rules;
using redwire::scrape::RuleText;

namespace {

constexpr UnixTime kNow = 1763769600;  // 2025-11-22 00:00:00 UTC

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Dir() { return std::string(REDWIRE_FIXTURES) + "/scrape/suggest/"; }

std::string Utc(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

struct Expected {
  std::string url;  // the page's own URL, from the "# url:" line
  std::vector<std::vector<std::string>> rows;  // date (or "-"), title, link[, image]
};

Expected ReadExpected(const std::string& name) {
  Expected e;
  std::istringstream in(Read(Dir() + name + ".expected.tsv"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# url: ", 0) == 0) e.url = line.substr(7);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      cells.push_back(line.substr(start, tab - start));
    }
    cells.push_back(line.substr(start));
    e.rows.push_back(std::move(cells));
  }
  return e;
}

// Where the items differ from the expected ones; empty when they match.
std::string Differences(const std::vector<Item>& items, const Expected& e) {
  std::ostringstream why;
  if (items.size() != e.rows.size()) why << items.size() << " items, expected " << e.rows.size() << "; ";
  for (std::size_t i = 0; i < std::min(items.size(), e.rows.size()); ++i) {
    const Item& it = items[i];
    const auto& row = e.rows[i];
    const std::string date = it.date_is_first_seen ? "-" : Utc(it.published);
    if (date != row[0]) why << "item " << i << " date " << date << " != " << row[0] << "; ";
    if (it.title != row[1]) why << "item " << i << " title '" << it.title << "' != '" << row[1] << "'; ";
    if (it.link != row[2]) why << "item " << i << " link " << it.link << " != " << row[2] << "; ";
    if (row.size() > 3 && !row[3].empty()) {
      const std::string image = it.enclosures.empty() ? "" : it.enclosures.front().url;
      if (image != row[3]) why << "item " << i << " image " << image << " != " << row[3] << "; ";
    }
  }
  return why.str();
}

const char* const kFixtures[] = {
    "wordpress-classic",       "wordpress-magazine",   "wordpress-dated-urls",    "blogger-date-header",
    "drupal-views",            "drupal7-popular-sidebar", "joomla-category-blog", "custom-table-php",
    "custom-greek-day-groups", "custom-masthead-date", "custom-card-grid",        "static-site-generator",
};

Extraction ExtractWith(const std::string& html, const RuleText& text, const std::string& url = "https://site.example/news/") {
  auto rules = Rules::Compile(text);
  INFO((rules.ok() ? std::string() : rules.error().message));
  REQUIRE(rules.ok());
  auto out = redwire::scrape::Extract(html, rules.value(), Page{"test", url, "en", kNow});
  REQUIRE(out.ok());
  return std::move(out.value());
}

}  // namespace

TEST_CASE("suggest finds the news list, titles, links and dates of listing pages without any rule", "[suggest]") {
  int right = 0;
  for (const char* name : kFixtures) {
    INFO(name);
    const std::string html = Read(Dir() + name + ".html");
    const Expected expected = ReadExpected(name);
    REQUIRE(!expected.url.empty());
    auto found = redwire::scrape::Suggest(html, Page{"test", expected.url, "", kNow});
    REQUIRE(found.ok());
    REQUIRE(!found->empty());
    const std::string why = Differences(found->front().extraction.items, expected);
    INFO(why);
    CHECK(why.empty());
    if (!why.empty()) continue;
    ++right;
    // The printed rules give the very items again.
    const Extraction again = ExtractWith(html, found->front().rules, expected.url);
    CHECK(Differences(again.items, expected).empty());
    CHECK(redwire::scrape::RulesToml(found->front().rules).find("item = '" + found->front().rules.item + "'") !=
          std::string::npos);
  }
  // Issue 17, point 6: at least 10 of the 12 CMS families.
  CHECK(right >= 10);
}

TEST_CASE("suggest ranks the main list above sidebars, menus and repeated links", "[suggest]") {
  const std::string html = Read(Dir() + "drupal7-popular-sidebar.html");
  auto found = redwire::scrape::Suggest(html, Page{"test", "https://workersparty.example/news", "", kNow});
  REQUIRE(found.ok());
  REQUIRE(found->size() == 2);
  CHECK(found->at(0).rules.item.find("view-news") != std::string::npos);
  CHECK(found->at(1).rules.item.find("view-popular") != std::string::npos);
  CHECK(found->at(0).score > found->at(1).score);
  // The popular list has no dates of its own, and borrows none from the main list.
  for (const Item& item : found->at(1).extraction.items) CHECK(item.date_is_first_seen);

  // Ads, the sponsored post and the hidden menu are not items.
  const std::string wp = Read(Dir() + "wordpress-classic.html");
  auto wp_found = redwire::scrape::Suggest(wp, Page{"test", "https://wp-party.example/category/news/", "", kNow});
  REQUIRE(wp_found.ok());
  REQUIRE(!wp_found->empty());
  CHECK(wp_found->front().rules.item == "article.hentry.post.type-post:not(.sponsored)");
  for (const auto& s : wp_found.value()) {
    for (const Item& item : s.extraction.items) {
      CHECK(item.link.find("ads.example") == std::string::npos);
      CHECK(item.title != "Join the party");
    }
  }
}

TEST_CASE("suggest finds nothing on a page without a repeated list of article links", "[suggest]") {
  const std::string html =
      "<html><body><nav><a href='/'>Home</a><a href='/about/'>About</a><a href='/contact/'>Contact</a></nav>"
      "<h1>About us</h1><p>We are a party of the working class, founded in 1921.</p>"
      "<ul><li><a href='/about/'>About</a></li><li><a href='/join/'>Join</a></li><li><a href='/shop/'>Shop</a></li></ul>"
      "</body></html>";
  auto found = redwire::scrape::Suggest(html, Page{"test", "https://site.example/about/", "", kNow});
  REQUIRE(found.ok());
  CHECK(found->empty());
  CHECK_FALSE(redwire::scrape::Suggest("   ", Page{"test", "https://site.example/", "", kNow}).ok());
}

TEST_CASE("dates from outside the item: the link, a group header, the page", "[suggest][rules]") {
  const std::string html = R"(<html><body>
    <div class="masthead"><span class="today">Friday, 7 March 2025</span></div>
    <div class="list">
      <h2 class="date-header">5 March 2025</h2>
      <div class="entry"><a href="/2025/03/04/first-story-of-the-list">First story of the list</a></div>
      <div class="entry"><a href="/2025/03/05/second-story-of-the-list">Second story of the list</a></div>
      <h2 class="date-header">1 March 2025</h2>
      <div class="entry"><a href="/news/third-story-of-the-list">Third story of the list</a></div>
    </div></body></html>)";
  SECTION("date = \"@link\" with a pattern: its first capture group") {
    RuleText text;
    text.item = "div.entry";
    text.date = "@link";
    text.date_pattern = R"(/(\d{4}/\d{2}/\d{2})/)";
    text.date_format = "%Y/%m/%d";
    const Extraction x = ExtractWith(html, text);
    REQUIRE(x.items.size() == 3);
    CHECK(Utc(x.items[0].published) == "2025-03-04 00:00");
    CHECK(Utc(x.items[1].published) == "2025-03-05 00:00");
    CHECK(x.items[2].date_is_first_seen);  // no date in its URL: no date, flagged
  }
  SECTION("date_group: the nearest header above, after the item's own date") {
    RuleText text;
    text.item = "div.entry";
    text.date_group = "h2.date-header";
    const Extraction x = ExtractWith(html, text);
    REQUIRE(x.items.size() == 3);
    CHECK(Utc(x.items[0].published) == "2025-03-05 00:00");
    CHECK(Utc(x.items[1].published) == "2025-03-05 00:00");
    CHECK(Utc(x.items[2].published) == "2025-03-01 00:00");
    CHECK(x.warnings.empty());
  }
  SECTION("date_page: the masthead's date for items with none") {
    RuleText text;
    text.item = "div.entry";
    text.date = "@link";
    text.date_pattern = R"(/(\d{4}/\d{2}/\d{2})/)";
    text.date_format = "%Y/%m/%d";
    text.date_page = "div.masthead .today";
    const Extraction x = ExtractWith(html, text);
    REQUIRE(x.items.size() == 3);
    CHECK(Utc(x.items[0].published) == "2025-03-04 00:00");
    CHECK(Utc(x.items[2].published) == "2025-03-07 00:00");
  }
  SECTION("a header or page selector that finds nothing is a warning") {
    RuleText text;
    text.item = "div.entry";
    text.date_group = "h3.day";
    text.date_page = "#edition-date";
    const Extraction x = ExtractWith(html, text);
    REQUIRE(x.items.size() == 3);
    CHECK(x.items[0].date_is_first_seen);
    REQUIRE(x.warnings.size() >= 2);
    CHECK(x.warnings[0].find("date_group selector 'h3.day' found no header") != std::string::npos);
    CHECK(x.warnings[1].find("date_page selector '#edition-date' matched nothing") != std::string::npos);
  }
}

TEST_CASE("a pattern applies to any field: the first capture group, else the whole match", "[rules]") {
  const std::string html = R"(<ul>
    <li><a href="/read.php?id=17&amp;ref=home">[Statement] Against the war budget</a><span class="by">by: The Secretariat</span></li>
    <li><a href="/read.php?id=18&amp;ref=home">[Communique] For the general strike</a><span class="by">by: The Bureau</span></li>
  </ul>)";
  RuleText text;
  text.item = "li";
  text.title_pattern = R"(\]\s*(.+))";
  text.link_pattern = R"(^[^&]+)";
  text.author = "span.by";
  text.author_pattern = R"(by:\s*(.*))";
  const Extraction x = ExtractWith(html, text);
  REQUIRE(x.items.size() == 2);
  CHECK(x.items[0].title == "Against the war budget");
  CHECK(x.items[0].link == "https://site.example/read.php?id=17");
  CHECK(x.items[0].author == "The Secretariat");
  CHECK(x.items[1].title == "For the general strike");

  text.title_pattern = "no such text";
  const Extraction none = ExtractWith(html, text);
  // No title matched: the item is known by its link.
  CHECK(none.items[0].title == "https://site.example/read.php?id=17");
  CHECK(none.items[1].title == "https://site.example/read.php?id=18");
}

TEST_CASE("rules refuse a bad pattern, an unknown date_lang and auto with an item selector", "[rules]") {
  std::string field;
  RuleText text;
  text.item = "li";
  text.date_pattern = "(unclosed";
  auto bad = Rules::Compile(text, &field);
  REQUIRE_FALSE(bad.ok());
  CHECK(field == "date_pattern");
  CHECK(bad.error().message.find("bad regular expression") != std::string::npos);

  text.date_pattern.clear();
  text.date_lang = "xx";
  auto lang = Rules::Compile(text, &field);
  REQUIRE_FALSE(lang.ok());
  CHECK(field == "date_lang");
  CHECK(lang.error().message.find("unknown language 'xx'") != std::string::npos);
  CHECK(lang.error().message.find("el") != std::string::npos);
  text.date_lang = "el";
  CHECK(Rules::Compile(text).ok());

  RuleText automatic;
  automatic.auto_suggest = true;
  CHECK(Rules::Compile(automatic).ok());
  CHECK(redwire::scrape::HasRules(automatic));
  automatic.item = "li";
  auto both = Rules::Compile(automatic, &field);
  REQUIRE_FALSE(both.ok());
  CHECK(field == "item");
}

TEST_CASE("defaults: the main article link, the title under a kicker, lazy images, encoded paths", "[rules]") {
  const std::string html = R"(<div class="teasers">
    <div class="teaser">
      <a class="tag" href="/tag/strikes/" rel="tag">Strikes</a>
      <h4 class="kicker">ANALYSIS</h4>
      <a class="thumb" href="/el/άρθρο/Η-απεργία-των-λιμενεργατών"><img src="data:image/gif;base64,R0lGOD" data-src="/img/docks.jpg"></a>
      <h2><a href="/el/άρθρο/Η-απεργία-των-λιμενεργατών">Η απεργία των λιμενεργατών συνεχίζεται</a></h2>
    </div>
    <div class="teaser">
      <h4 class="kicker">REPORT</h4>
      <img src="/img/blank.gif" srcset="/img/march-320.jpg 320w, /img/march-1280.jpg 1280w, /img/march-640.jpg 640w">
      <p><a href="/category/news/">News</a> · <a href="/news/thousands-march-for-peace-in-the-capital">Thousands march for peace in the capital</a></p>
    </div>
  </div>)";
  RuleText text;
  text.item = "div.teaser";
  text.image = "img";
  const Extraction x = ExtractWith(html, text, "https://paper.example/");
  REQUIRE(x.items.size() == 2);
  CHECK(x.items[0].title == "Η απεργία των λιμενεργατών συνεχίζεται");
  CHECK(x.items[0].link ==
        "https://paper.example/el/%CE%AC%CF%81%CE%B8%CF%81%CE%BF/"
        "%CE%97-%CE%B1%CF%80%CE%B5%CF%81%CE%B3%CE%AF%CE%B1-%CF%84%CF%89%CE%BD-"
        "%CE%BB%CE%B9%CE%BC%CE%B5%CE%BD%CE%B5%CF%81%CE%B3%CE%B1%CF%84%CF%8E%CE%BD");
  REQUIRE(x.items[0].enclosures.size() == 1);
  CHECK(x.items[0].enclosures[0].url == "https://paper.example/img/docks.jpg");
  CHECK(x.items[1].title == "Thousands march for peace in the capital");
  CHECK(x.items[1].link == "https://paper.example/news/thousands-march-for-peace-in-the-capital");
  REQUIRE(x.items[1].enclosures.size() == 1);
  CHECK(x.items[1].enclosures[0].url == "https://paper.example/img/march-1280.jpg");

  // "@srcset" picks the widest candidate; "@data-src" the lazy file.
  text.image = "img @srcset";
  CHECK(ExtractWith(html, text, "https://paper.example/").items[1].enclosures.at(0).url ==
        "https://paper.example/img/march-1280.jpg");
  text.image = "img @data-src";
  CHECK(ExtractWith(html, text, "https://paper.example/").items[0].enclosures.at(0).url ==
        "https://paper.example/img/docks.jpg");
}

TEST_CASE(":has() selects elements by what they contain", "[selector]") {
  const std::string html = R"(<ul>
    <li class="a"><img src="/x.jpg"><a href="/one">One</a></li>
    <li class="b"><a href="/two">Two</a></li>
    <li class="c"><span><img src="/y.jpg"></span><a href="/three">Three</a></li>
  </ul>)";
  auto sel = redwire::scrape::Selector::Compile("li:has(img) a");
  REQUIRE(sel.ok());
  CHECK(redwire::scrape::SelectValues(html, sel.value()) == std::vector<std::string>{"One", "Three"});
  auto child = redwire::scrape::Selector::Compile("li:has(> img) a");
  REQUIRE(child.ok());
  CHECK(redwire::scrape::SelectValues(html, child.value()) == std::vector<std::string>{"One"});
  auto negated = redwire::scrape::Selector::Compile("li:not(.b):has(span img) a @href");
  REQUIRE(negated.ok());
  CHECK(redwire::scrape::SelectValues(html, negated.value()) == std::vector<std::string>{"/three"});
  std::size_t offset = 0;
  CHECK_FALSE(redwire::scrape::Selector::Compile("li:has(", &offset).ok());
  CHECK_FALSE(redwire::scrape::Selector::Compile("li:has()").ok());
  CHECK_FALSE(redwire::scrape::Selector::Compile("li:has(> span img)").ok());
}

TEST_CASE("auto = true extracts the list Suggest ranks first and names it", "[suggest][rules]") {
  const std::string html = Read(Dir() + "blogger-date-header.html");
  RuleText text;
  text.auto_suggest = true;
  const Extraction x = ExtractWith(html, text, "https://rednotes.example/");
  CHECK(x.picked == "div.post-outer");
  REQUIRE(x.items.size() == 4);
  CHECK(x.items[0].title == "Miners' solidarity fund passes its target");
  CHECK(Utc(x.items[3].published) == "2025-02-28 00:00");

  const Extraction none = ExtractWith("<html><body><p>Nothing here.</p></body></html>", text);
  CHECK(none.items.empty());
  CHECK(none.picked.empty());
  REQUIRE(none.warnings.size() == 1);
  CHECK(none.warnings[0].find("auto: no repeated list") != std::string::npos);
}

namespace {

struct Run {
  int status = -1;
  std::string out;
};

Run Redwire(const std::string& args) {
  Run run;
  FILE* pipe = popen((std::string(REDWIRE_BINARY) + " " + args + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

}  // namespace

TEST_CASE("redwire scrape --suggest prints the ranked lists, their TOML and their items", "[cli]") {
  const Run run = Redwire("scrape " + Dir() + "drupal7-popular-sidebar.html --url https://workersparty.example/news --suggest");
  INFO(run.out);
  CHECK(run.status == 0);
  CHECK(run.out.find("list 1 of 2: 4 x li.views-row") != std::string::npos);
  CHECK(run.out.find("<- best") != std::string::npos);
  CHECK(run.out.find("[source.scrape]\nitem = 'div.view.view-display-id-page.view-id-news.view-news li.views-row'\n"
                     "date = 'span.views-field.views-field-created'\n") != std::string::npos);
  CHECK(run.out.find("2025-02-14 00:00  Union leaders arrested at the picket line") != std::string::npos);
  CHECK(run.out.find("list 2 of 2") != std::string::npos);

  const Run json = Redwire("scrape " + Dir() + "wordpress-dated-urls.html --url https://youth.example/ --suggest --json");
  INFO(json.out);
  CHECK(json.status == 0);
  CHECK(json.out.find("\"rank\":1") != std::string::npos);
  CHECK(json.out.find("date_pattern = '/((?:19|20)\\\\d{2}/[01]\\\\d/[0-3]\\\\d)/'") != std::string::npos);

  const Run empty = Redwire("scrape " + std::string(REDWIRE_FIXTURES) + "/scrape/kke-article.html --suggest");
  INFO(empty.out);
  CHECK(empty.status == 3);
  CHECK(empty.out.find("no news list found") != std::string::npos);

  const Run no_rules = Redwire("scrape " + Dir() + "wordpress-classic.html");
  CHECK(no_rules.status == 1);
  CHECK(no_rules.out.find("give rules (--item SEL or --xpath EXPR) or --suggest") != std::string::npos);
}

TEST_CASE("redwire scrape --source tries scrape rules on a feed source's page", "[cli]") {
  char tmpl[] = "/tmp/redwire-suggest-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  const std::string config = tmpl;
  {
    std::ofstream toml(config + "/sources.toml");
    toml << "[[source]]\nid = \"weekly\"\nurl = \"https://weekly.example/feed/\"\n";
  }
  const std::string page = Dir() + "wordpress-magazine.html";
  const Run suggest = Redwire("scrape " + page + " --url https://weekly.example/labour/ --source weekly --config " + config + " --suggest");
  INFO(suggest.out);
  CHECK(suggest.status == 0);
  CHECK(suggest.out.find("Teachers vote for national strike action") != std::string::npos);
  const Run rules = Redwire("scrape " + page + " --url https://weekly.example/labour/ --source weekly --config " + config +
                            " --item div.td_module_wrap --date span.td-post-date");
  INFO(rules.out);
  CHECK(rules.status == 0);
  CHECK(rules.out.find("2025-02-18 00:00  Elections called after government collapses") != std::string::npos);
  const Run none = Redwire("scrape " + page + " --source weekly --config " + config);
  CHECK(none.status == 1);
  CHECK(none.out.find("source 'weekly' has no scrape rules: give --item SEL or --suggest") != std::string::npos);
  std::remove((config + "/sources.toml").c_str());
  std::remove(config.c_str());
}
