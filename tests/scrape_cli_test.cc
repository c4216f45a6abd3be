// The operator's loop over every saved page: `redwire scrape FILE` with the
// shipped rules of feeds/ (--source ID --config feeds) or with rules given as
// flags, run as the real binary. Checks the exit status, the item count of
// the --json output and one known title per page, so a change to the shipped
// rules, the CLI or the extractor that loses items fails here.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/fixture_server.h"

namespace {

struct Run {
  int status = -1;
  std::string out;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The real binary with `args`; stdout and stderr together.
Run Redwire(const std::vector<std::string>& args) {
  std::string command = REDWIRE_BINARY;
  for (const auto& a : args) command += " " + Quote(a);
  command += " 2>&1";
  Run run;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string Fixture(const std::string& name) { return std::string(REDWIRE_FIXTURES) + "/scrape/" + name; }

std::string ReadFixture(const std::string& name) {
  std::ifstream in(Fixture(name), std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Run Scrape(const std::string& fixture, std::vector<std::string> args) {
  args.insert(args.begin(), {"scrape", Fixture(fixture)});
  return Redwire(args);
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

struct Case {
  std::string fixture;
  std::vector<std::string> args;
  std::size_t items;
  std::string title;  // one title the page must yield, as JSON text
};

void Check(const Case& c) {
  INFO(c.fixture);
  std::vector<std::string> args = c.args;
  args.push_back("--json");
  const Run json = Scrape(c.fixture, args);
  INFO(json.out);
  REQUIRE(json.status == 0);
  CHECK(Count(json.out, "{\"id\":") == c.items);
  CHECK(json.out.find("\"title\":\"" + c.title + "\"") != std::string::npos);

  const Run table = Scrape(c.fixture, c.args);
  INFO(table.out);
  CHECK(table.status == 0);
  CHECK(table.out.find(std::to_string(c.items) + " items (") != std::string::npos);
}

const std::string kShipped = std::string(REDWIRE_SOURCE_DIR) + "/feeds";

}  // namespace

TEST_CASE("redwire scrape with the shipped rules of feeds/ yields every saved page's items", "[cli]") {
  const std::vector<Case> cases = {
      // follow = true in the shipped rules; the articles are not fetched here.
      {"kke-news.html", {"--source", "kke-en", "--config", kShipped, "--max-follow", "0"}, 3,
       "Solidarity with Cuba against the US blockade"},
      {"kne-articles.html", {"--source", "kne-en", "--config", kShipped}, 2, "KNE on the student rallies"},
      {"avante-issue.html", {"--source", "avante", "--config", kShipped}, 2, "Greve na Administração Pública"},
      {"kprf-russian.html", {"--source", "kprf", "--config", kShipped}, 3,
       "Первомай: тысячи омичей вышли на демонстрацию"},
      // The same pages in their sites' legacy charsets come out the same.
      {"kprf-russian-cp1251.html", {"--source", "kprf", "--config", kShipped}, 3,
       "Первомай: тысячи омичей вышли на демонстрацию"},
      {"eci-news.html", {"--source", "eci", "--config", kShipped}, 2, "Meeting of the Secretariat of the ECI"},
      {"wfdy-statements.html", {"--source", "wfdy", "--config", kShipped}, 4, "No to NATO, yes to peace"},
      {"sacp-statements.html", {"--source", "sacp", "--config", kShipped}, 2, "SACP Central Committee statement"},
  };
  for (const auto& c : cases) Check(c);
}

TEST_CASE("redwire scrape with rules given as flags works on every other saved page", "[cli]") {
  const std::vector<std::string> solidnet = {"--item", "div.view-news div.views-row", "--title", "h3.node__title a",
                                             "--link", "h3.node__title a @href", "--date", "span.date",
                                             "--date-format", "%m/%d/%y, %I:%M %p"};
  const std::vector<std::string> rizospastis = {
      "--url",     "https://www.rizospastis.gr/", "--item",    "td.leftcol div.storyItem", "--title",
      "h2.storyTitle", "--link", "h2.storyTitle a @href", "--date", "div.storyDate", "--date-lang", "el",
      "--summary", "div.storyLead"};
  auto with = [](std::vector<std::string> base, std::vector<std::string> more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  const std::vector<Case> cases = {
      {"solidnet-news.html", with(solidnet, {"--url", "https://www.solidnet.org/", "--paginate", "li.pager__item--next a"}),
       4, "CP of Greece, Statement on the genocide in Gaza"},
      {"solidnet-news-page2.html", with(solidnet, {"--url", "https://www.solidnet.org/?page=1"}), 2,
       "TKP, Against NATO bases in Turkey"},
      {"cpusa-wordpress.html",
       {"--url", "https://www.cpusa.org/", "--item", "main article.hentry", "--title", "h2.entry-title", "--date",
        "div.entry-meta", "--author", "span.author", "--image", "img.wp-post-image", "--summary",
        "div.entry-summary"},
       3, ""},
      {"joomla-pcp-setubal.html",
       {"--url", "https://www.pcp.pt/setubal/", "--item", "div.blog [itemprop=blogPost]", "--title",
        "[itemprop=name]", "--link", "h2 a @href", "--date", "time @datetime", "--summary", "p:not(.readmore)"},
       3, "25 de Abril sempre!"},
      {"granma-spanish.html",
       {"--url", "https://www.granma.cu/", "--item", "article.g-story", "--title", "h2 > a", "--date",
        "span.g-story-date", "--date-lang", "es", "--summary", "div.sumario"},
       3, "Un Primero de Mayo de unidad"},
      {"tkp-turkish.html",
       {"--url", "https://www.tkp.org.tr/", "--item", "div.jeg_posts > article.jeg_post", "--title",
        "h3.jeg_post_title", "--date", "div.jeg_meta_date", "--date-lang", "tr"},
       3, "1 Mayıs çağrısı: Sömürüye karşı alanlara!"},
      // Rizospastis is polled through its RSS now; its front page still
      // tests Greek dates, in UTF-8 and in its legacy charset.
      {"rizospastis-greek.html", rizospastis, 4, "Αλληλεγγύη στον λαό της Κούβας"},
      {"rizospastis-greek-iso8859-7.html", rizospastis, 4, "Αλληλεγγύη στον λαό της Κούβας"},
      {"tag-soup.html", {"--url", "http://example.org/", "--item", "td.story", "--title", "font b", "--date", "p.when"},
       3, ""},
      {"kke-article.html",
       {"--url", "https://inter.kke.gr/en/articles/x/", "--item", "div.article", "--title", "h1", "--summary",
        "div.articleBody"},
       1, ""},
  };
  for (auto c : cases) {
    if (c.title.empty()) {
      // Take the first title the library-level fixture test pins down.
      const Run json = Scrape(c.fixture, with(c.args, {"--json"}));
      const auto at = json.out.find("\"title\":\"", json.out.find("{\"id\":"));
      REQUIRE(at != std::string::npos);
      c.title = json.out.substr(at + 9, json.out.find('"', at + 9) - at - 9);
      CHECK_FALSE(c.title.empty());
    }
    Check(c);
  }
}

TEST_CASE("redwire scrape reports selectors that match nothing and exits 3 without items", "[cli]") {
  const Run none = Scrape("kke-news.html", {"--url", "https://inter.kke.gr/en/", "--item", "div.no-such-class",
                                            "--title", "h3"});
  INFO(none.out);
  CHECK(none.status == 3);
  CHECK(none.out.find("div.no-such-class") != std::string::npos);

  const Run bad = Scrape("kke-news.html", {"--item", "div[", "--title", "h3"});
  INFO(bad.out);
  CHECK(bad.status == 1);
  CHECK(bad.out.find("item") != std::string::npos);
}

TEST_CASE("redwire scrape --now: relative dates count back from it, later dates are refused", "[cli]") {
  const std::vector<std::string> rules = {"--url", "https://www.example.cu/noticias", "--item", "article.nota",
                                          "--title", "h2 a", "--date", "span.fecha"};
  std::vector<std::string> args = rules;
  args.insert(args.end(), {"--now", "2026-04-02T00:00:00Z"});
  const Run table = Scrape("dates-refused.html", args);
  INFO(table.out);
  CHECK(table.status == 0);
  CHECK(table.out.find("2026-04-01 19:00  Solidarietà con Cuba") != std::string::npos);  // 5 ore fa
  CHECK(table.out.find("2026-04-01 22:00  Marcha del Primero de Mayo") != std::string::npos);
  CHECK(table.out.find("warning: 1 dates refused: the date is in the future, e.g. '20.07.27'") != std::string::npos);
  CHECK(table.out.find("warning: 1 dates refused: a bare number is not a date") != std::string::npos);

  args.push_back("--json");
  const Run json = Scrape("dates-refused.html", args);
  INFO(json.out);
  CHECK(json.out.find("day and month order is ambiguous") != std::string::npos);

  // A year later, 20.07.27 is past and a date; a bad --now is a usage error.
  args = rules;
  args.insert(args.end(), {"--now", "2027-08-01T00:00:00Z"});
  const Run later = Scrape("dates-refused.html", args);
  CHECK(later.out.find("in the future") == std::string::npos);
  args = rules;
  args.insert(args.end(), {"--now", "yesterday-ish"});
  const Run bad = Scrape("dates-refused.html", args);
  CHECK(bad.status == 2);
  CHECK(bad.out.find("--now") != std::string::npos);
}

TEST_CASE("redwire scrape URL reads a page in the charset its server names", "[cli]") {
  redwire::testing::FixtureServer server;
  server.Static("/", "text/html; charset=iso-8859-7", ReadFixture("rizospastis-greek-iso8859-7.html"), "\"v1\"");
  const std::vector<std::string> rules = {"--item", "td.leftcol div.storyItem", "--title", "h2.storyTitle",
                                          "--date", "div.storyDate", "--date-lang", "el", "--allow-private"};
  std::vector<std::string> args = {"scrape", server.url("/")};
  args.insert(args.end(), rules.begin(), rules.end());
  args.push_back("--json");
  const Run json = Redwire(args);
  INFO(json.out);
  REQUIRE(json.status == 0);
  CHECK(Count(json.out, "{\"id\":") == 4);
  CHECK(json.out.find("\"title\":\"Αλληλεγγύη στον λαό της Κούβας\"") != std::string::npos);
  CHECK(json.out.find("\"encoding\":\"iso-8859-7\"") != std::string::npos);
  args.pop_back();
  const Run table = Redwire(args);
  INFO(table.out);
  CHECK(table.out.find("(read as iso-8859-7)") != std::string::npos);
}

TEST_CASE("redwire discover lists the feeds a page advertises, over HTTP", "[cli]") {
  redwire::testing::FixtureServer server;
  server.Static("/", "text/html; charset=utf-8",
                "<!DOCTYPE html><html><head><title>Partido</title>"
                "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Noticias\" href=\"/feed/\">"
                "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Comunicados\" href=\"/atom.xml\">"
                "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Comentarios\" href=\"/comments/feed/\">"
                "<link rel=\"stylesheet\" href=\"/style.css\"></head><body>x</body></html>",
                "\"p\"");
  const std::string rss =
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Noticias</title>"
      "<link>http://partido.example/</link><item><title>Uno</title><link>http://partido.example/1</link>"
      "</item></channel></rss>";
  server.Static("/feed/", "application/rss+xml", rss, "\"f\"");
  server.Static("/atom.xml", "application/atom+xml",
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Comunicados</title>"
                "<id>urn:x</id><updated>2024-01-01T00:00:00Z</updated></feed>",
                "\"a\"");
  server.Static("/granma", "text/html; charset=utf-8", ReadFixture("../discover/granma-a-feed.html"), "\"g\"");
  server.Static("/feed", "application/rss+xml", rss, "\"r\"");

  const Run json = Redwire({"discover", server.url("/"), "--json", "--allow-private"});
  INFO(json.out);
  REQUIRE(json.status == 0);
  CHECK(json.out.find("{\"url\":\"" + server.url("/feed/") +
                      "\",\"how\":\"advertised\",\"format\":\"rss20\",\"title\":\"Noticias\",\"items\":1}") !=
        std::string::npos);
  CHECK(json.out.find("\"url\":\"" + server.url("/atom.xml") + "\",\"how\":\"advertised\",\"format\":\"atom10\"") !=
        std::string::npos);
  // Advertised but 404: listed as rejected, with the reason.
  CHECK(json.out.find("{\"url\":\"" + server.url("/comments/feed/") +
                      "\",\"how\":\"advertised\",\"reason\":\"HTTP 404\"}") != std::string::npos);
  CHECK(json.out.find("style.css") == std::string::npos);
  CHECK(json.out.find("\"probed\":false") != std::string::npos);

  const Run table = Redwire({"discover", server.url("/"), "--allow-private"});
  CHECK(table.status == 0);
  CHECK(table.out.find("advertised  atom10     0 items  " + server.url("/atom.xml")) != std::string::npos);
  CHECK(table.out.find("not a feed  " + server.url("/comments/feed/") + " (advertised): HTTP 404") != std::string::npos);

  // Linked with an <a> only, as Granma's homepage does.
  const Run linked = Redwire({"discover", server.url("/granma"), "--allow-private"});
  INFO(linked.out);
  CHECK(linked.status == 0);
  CHECK(linked.out.find("linked      rss20      1 items  " + server.url("/feed") + "  Noticias") != std::string::npos);

  const Run itself = Redwire({"discover", server.url("/feed/"), "--allow-private"});
  CHECK(itself.status == 0);
  CHECK(itself.out.find("is itself a feed (rss20, 1 items)") != std::string::npos);

  // Nothing on the page: the common paths are probed (and 404 on a site of
  // its own).
  redwire::testing::FixtureServer bare;
  bare.Static("/nofeed", "text/html", "<html><head><title>Nada</title></head><body>x</body></html>", "\"n\"");
  const Run none = Redwire({"discover", bare.url("/nofeed"), "--allow-private"});
  INFO(none.out);
  CHECK(none.status == 3);
  CHECK(none.out.find("has no feed (the usual paths of common CMSs tried too)") != std::string::npos);
  CHECK(none.out.find("not a feed  " + bare.url("/rss.xml") + " (probed): HTTP 404") != std::string::npos);
  CHECK(bare.requests().size() == 5);  // the page and its four probes

  // The SSRF guard holds on the command line too, and says how to lift it.
  const Run guarded = Redwire({"discover", server.url("/")});
  CHECK(guarded.status == 1);
  CHECK(guarded.out.find("redwire discover: " + server.url("/") + ": blocked address") != std::string::npos);
  CHECK(guarded.out.find("give --allow-private to fetch from loopback and private addresses") != std::string::npos);
}

TEST_CASE("redwire discover reads a saved page", "[cli]") {
  const std::string saved = std::string(REDWIRE_FIXTURES) + "/discover/granma-a-feed.html";
  // Without --url the candidates are listed, not fetched.
  const Run listed = Redwire({"discover", saved});
  INFO(listed.out);
  CHECK(listed.status == 0);
  CHECK(listed.out.find("linked      http://localhost/feed  RSS") != std::string::npos);
  CHECK(listed.out.find("note: not checked") != std::string::npos);
  const Run json = Redwire({"discover", saved, "--json"});
  CHECK(json.out.find("\"checked\":false") != std::string::npos);

  // With --url they are resolved against it, fetched and checked.
  redwire::testing::FixtureServer server;
  server.Static("/feed", "application/rss+xml",
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Granma</title>"
                "<item><title>Uno</title><link>http://granma.example/1</link></item></channel></rss>",
                "\"r\"");
  const Run checked = Redwire({"discover", saved, "--url", server.url("/"), "--allow-private"});
  INFO(checked.out);
  CHECK(checked.status == 0);
  CHECK(checked.out.find("linked      rss20      1 items  " + server.url("/feed") + "  Granma") != std::string::npos);

  const Run missing = Redwire({"discover", "/nonexistent/page.html"});
  CHECK(missing.status == 1);
  CHECK(missing.out.find("redwire discover: /nonexistent/page.html: ") != std::string::npos);
}

TEST_CASE("redwire check --online fetches each source once and names the rules that extract nothing", "[cli]") {
  redwire::testing::FixtureServer server;
  const std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed</title>"
                          "<item><title>Uno</title><link>http://site.example/1</link></item>"
                          "<item><title>Dos</title><link>http://site.example/2</link></item></channel></rss>";
  server.Static("/feed.xml", "application/rss+xml", rss, "\"x\"");
  server.Static("/feed", "application/rss+xml", rss, "\"f\"");
  server.Static("/rss.xml", "application/rss+xml", rss, "\"r\"");
  server.Static("/", "text/html; charset=utf-8", ReadFixture("../discover/granma-a-feed.html"), "\"g\"");
  server.Static("/portugal", "text/html; charset=utf-8", ReadFixture("../discover/drupal-feed-icon.html"), "\"d\"");
  server.Static("/wfdy", "text/html; charset=utf-8", ReadFixture("../discover/plain-no-cms.html"), "\"p\"");

  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("redwire-check-online-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto source = [&](const std::string& id, const std::string& path, const std::string& scrape) {
    return "[[source]]\nid = \"" + id + "\"\nname = \"" + id + "\"\nurl = \"" + server.url(path) +
           "\"\nallow_private = true\n" + scrape + "\n";
  };
  std::ofstream(dir / "sources.toml")
      << "[redwire]\nhost_delay = \"0s\"\n\n"
      << source("a-feed", "/feed.xml", "")
      << source("granma", "/", "[source.scrape]\nitem = \"article.g-story\"\ntitle = \"h2 > a\"")
      << source("wfdy", "/wfdy", "[source.scrape]\nitem = \"div.statement-list > div\"\ntitle = \"h2\"")
      << source("pcp", "/portugal", "[source.scrape]")
      << source("gone", "/missing.xml", "");
  const Run run = Redwire({"check", "--config", dir.string(), "--online"});
  std::filesystem::remove_all(dir);
  INFO(run.out);
  CHECK(run.status == 3);
  CHECK(run.out.find("a-feed  ok     feed, 2 items (rss20)") != std::string::npos);
  CHECK(run.out.find("granma  ok     1 item by the rules (1 without a date, 0 dates unparsed)") != std::string::npos);
  CHECK(run.out.find("the site has a feed: " + server.url("/feed") + " (use it as the url instead of scraping)") !=
        std::string::npos);
  CHECK(run.out.find("wfdy    EMPTY  the rules extract nothing: item selector 'div.statement-list > div' matched "
                     "nothing") != std::string::npos);
  CHECK(run.out.find("pcp     ok     a web page; its site's feed " + server.url("/rss.xml") + " has 2 items") !=
        std::string::npos);
  CHECK(run.out.find("gone    FAIL   HTTP 404") != std::string::npos);
  // The plain site's usual paths are probed: /rss.xml is there.
  CHECK(run.out.find("matched nothing\n" + std::string(15, ' ') + "the site has a feed: " + server.url("/rss.xml")) !=
        std::string::npos);
  CHECK(run.out.find("5 sources: 3 fetched and fine, 1 whose rules extract nothing, 1 failing; 3 with a feed found for the page") !=
        std::string::npos);
  // Each source fetched once.
  CHECK(server.count("/feed.xml", 200) == 1);
  CHECK(server.count("/", 200) == 1);
  CHECK(server.count("/wfdy", 200) == 1);
}
