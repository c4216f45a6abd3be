// End to end for websites without feeds: the real `redwire` binary scrapes
// saved pages served by a loopback origin (first import with pagination,
// new items' own pages fetched for their text, a page that advertises its
// feed) and republishes them as Atom, per source and per topic.

#include <chrono>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include "support/child_process.h"
#include "support/fixture_server.h"
#include "support/http_client.h"
#include "support/scratch.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;

namespace {

using redwire::testing::FreePort;
using redwire::testing::ReadFile;
using redwire::testing::WaitFor;

// The body of a 200, else empty.
std::string Get(const std::string& url) {
  auto r = redwire::testing::HttpGet(url);
  return r.status == 200 ? r.body : "";
}

std::string Fixture(const std::string& name) { return ReadFile(fs::path(REDWIRE_FIXTURES) / name); }

struct Entry {
  std::string title, link, content, summary;
};

std::vector<Entry> Entries(const std::string& atom) {
  std::vector<Entry> out;
  pugi::xml_document doc;
  if (!doc.load_string(atom.c_str())) return out;
  for (pugi::xml_node e : doc.child("feed").children("entry")) {
    Entry entry{e.child_value("title"), "", e.child_value("content"), e.child_value("summary")};
    for (pugi::xml_node l : e.children("link")) {
      if (std::string(l.attribute("rel").as_string("alternate")) == "alternate") entry.link = l.attribute("href").as_string();
    }
    out.push_back(entry);
  }
  return out;
}

const Entry* Find(const std::vector<Entry>& entries, const std::string& title) {
  for (const auto& e : entries) {
    if (e.title == title) return &e;
  }
  return nullptr;
}

FixtureResponse Html(std::string body) {
  FixtureResponse r;
  r.headers = {{"Content-Type", "text/html; charset=utf-8"}};
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("the daemon scrapes pages into per-source and topic feeds", "[e2e]") {
  FixtureServer origin;
  origin.Route("/en/", [](const FixtureRequest&) { return Html(Fixture("scrape/kke-news.html")); });
  for (const char* slug : {"Statement-of-the-KKE-on-the-developments-in-Syria", "The-KKE-at-the-rally-against-NATO-in-Souda",
                           "Solidarity-with-Cuba-against-the-US-blockade"}) {
    origin.Route(std::string("/en/articles/") + slug + "/",
                 [](const FixtureRequest&) { return Html(Fixture("scrape/kke-article.html")); });
  }
  // One path, two pages: the pager's "?page=1" is the older one.
  origin.Route("/news", [](const FixtureRequest& r) {
    return Html(Fixture(r.target.find("page=1") != std::string::npos ? "scrape/solidnet-news-page2.html"
                                                                       : "scrape/solidnet-news.html"));
  });
  origin.Route("/blog/", [](const FixtureRequest&) {
    return Html("<!doctype html><html><head><title>A party blog</title>"
                "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Feed\" href=\"/blog/feed.xml\">"
                "</head><body><p>Welcome</p></body></html>");
  });
  origin.Static("/blog/feed.xml", "application/rss+xml", Fixture("e2e/kke.rss"), "\"v1\"");
  origin.Route("/noticias", [](const FixtureRequest&) { return Html(Fixture("scrape/dates-refused.html")); });

  redwire::testing::TempDir scratch("redwire-scrape-e2e-");
  const fs::path dir = scratch.path;
  std::ofstream(dir / "config" / "sources.toml")
      << "[[source]]\nid = \"kke-en\"\nurl = \"" << origin.url("/en/") << "\"\nevery = \"2s\"\nlang = \"en\"\n"
      << "allow_private = true\n[source.scrape]\nitem = \"div.newsList > div.newsItem\"\ntitle = \"h3.title\"\n"
      << "link = \"a.titleLink @href\"\ndate = \"div.date\"\ndate_format = \"%b %d, %Y\"\nsummary = \"div.teaser\"\n"
      << "follow = true\ncontent = \"div.article > div.articleBody\"\n\n"
      << "[[source]]\nid = \"solidnet\"\nurl = \"" << origin.url("/news") << "\"\nevery = \"2s\"\n"
      << "allow_private = true\n[source.scrape]\nitem = \"div.view-news div.views-row\"\ntitle = \"h3.node__title a\"\n"
      << "date = \"span.date\"\ndate_format = \"%m/%d/%y, %I:%M %p\"\nsummary = \"div.field--name-body\"\n"
      << "paginate = \"li.pager__item--next a\"\nmax_pages = 3\n\n"
      << "[[source]]\nid = \"blog\"\nurl = \"" << origin.url("/blog/") << "\"\nevery = \"2s\"\nallow_private = true\n\n"
      << "[[source]]\nid = \"refused\"\nurl = \"" << origin.url("/noticias") << "\"\nevery = \"2s\"\n"
      << "allow_private = true\n[source.scrape]\nitem = \"article.nota\"\ntitle = \"h2 a\"\ndate = \"span.fecha\"\n\n"
      << "[[source]]\nid = \"later\"\nurl = \"" << origin.url("/later/") << "\"\nevery = \"2s\"\n"
      << "allow_private = true\n[source.scrape]\n";
  std::ofstream(dir / "config" / "topics.toml")
      << "[[topic]]\nid = \"syria\"\ntitle = \"Syria\"\nmatch = 'syria OR syrian'\n\n"
      << "[[topic]]\nid = \"cuba-solidarity\"\ntitle = \"Cuba\"\nmatch = 'cuba OR blockade'\n";

  const unsigned short port = FreePort();
  const fs::path log = dir / "daemon.log";
  redwire::testing::DaemonProcess daemon(REDWIRE_BINARY, dir / "config", dir / "state", port, log,
                                         {"--log-level", "debug"});
  const std::string base = daemon.url("");
  INFO(ReadFile(log));

  // KKE: the list's three items, each with the text of its own page.
  std::vector<Entry> kke;
  const bool kke_done = WaitFor(
      [&] {
        kke = Entries(Get(base + "/sources/kke-en.atom"));
        return kke.size() == 3 && std::all_of(kke.begin(), kke.end(), [](const Entry& e) { return !e.content.empty(); });
      },
      30s);
  INFO(ReadFile(log));
  REQUIRE(kke_done);
  const Entry* syria = Find(kke, "Statement of the KKE on the developments in Syria");
  REQUIRE(syria);
  CHECK(syria->link == origin.url("/en/articles/Statement-of-the-KKE-on-the-developments-in-Syria/"));
  CHECK(syria->content.find("imperialist plans of the USA, NATO") != std::string::npos);
  CHECK(syria->content.find("old web pages") == std::string::npos);
  CHECK(syria->content.find("_gaq") == std::string::npos);

  // SolidNet: the first import read the older page as well.
  std::vector<Entry> solidnet;
  REQUIRE(WaitFor([&] { return (solidnet = Entries(Get(base + "/sources/solidnet.atom"))).size() == 6; }, 20s));
  CHECK(Find(solidnet, "TKP, Against NATO bases in Turkey"));
  CHECK(Find(solidnet, "CP of Cuba, Solidarity against the blockade"));

  // The blog page advertises its feed, which is used instead.
  std::vector<Entry> blog;
  REQUIRE(WaitFor([&] { return !(blog = Entries(Get(base + "/sources/blog.atom"))).empty(); }, 20s));
  CHECK(origin.count("/blog/feed.xml", 200) >= 1);

  // Topic feeds mix scraped items with the rest.
  auto topic = Entries(Get(base + "/topics/syria.atom"));
  CHECK(Find(topic, "Statement of the KKE on the developments in Syria"));
  auto cuba = Entries(Get(base + "/topics/cuba-solidarity.atom"));
  CHECK(Find(cuba, "Solidarity with Cuba against the US blockade"));
  CHECK(Find(cuba, "CP of Cuba, Solidarity against the blockade"));

  // Dates the page does not fully give are no dates, and the source's
  // health says so (issue 15); the relative ones count back from the fetch.
  std::string health;
  REQUIRE(WaitFor([&] { return (health = Get(base + "/status.json")).find("\"refused\"") != std::string::npos &&
                               health.find("dates refused") != std::string::npos; }, 20s));
  INFO(health);
  CHECK(health.find("1 dates refused: a bare number is not a date, e.g. '1931 confirmados'") != std::string::npos);
  CHECK(health.find("day and month order is ambiguous") != std::string::npos);
  CHECK(health.find("the date is in the future, e.g. '20.07.27'") != std::string::npos);
  CHECK(Entries(Get(base + "/sources/refused.atom")).size() == 8);

  // Later polls: item pages are not fetched again, older pages are not
  // re-read, and a page without rules is polled only for a feed of its
  // site (it has none here: it 404s, and is retried with backoff).
  const std::size_t polls = origin.count("/en/", 200);
  REQUIRE(WaitFor([&] { return origin.count("/en/", 200) >= polls + 1; }, 25s));
  CHECK(origin.count("/en/articles/Statement-of-the-KKE-on-the-developments-in-Syria/", 200) == 1);
  std::size_t older = 0;
  for (const auto& r : origin.requests()) older += r.target == "/news?page=1";
  CHECK(older == 1);
  CHECK(origin.count("/later/", 404) >= 1);
  CHECK(Entries(Get(base + "/sources/kke-en.atom")).size() == 3);

  CHECK(daemon.Terminate(10s) >= 0);
}
