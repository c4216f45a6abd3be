// End to end for websites without feeds: the real `redwire` binary scrapes
// saved pages served by a loopback origin (first import with pagination,
// new items' own pages fetched for their text, a page that advertises its
// feed) and republishes them as Atom, per source and per topic.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <curl/curl.h>
#include <pugixml.hpp>

#include "support/fixture_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;

namespace {

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fixture(const std::string& name) { return Slurp(fs::path(REDWIRE_FIXTURES) / name); }

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string Get(const std::string& url) {
  std::string body;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status == 200 ? body : "";
}

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

unsigned short FreePort() {
  for (unsigned short port = 20000 + std::random_device{}() % 20000;; ++port) {
    // A port the fixture server is not using and nothing listens on.
    CURL* curl = curl_easy_init();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 500L);
    const bool taken = curl_easy_perform(curl) == CURLE_OK;
    curl_easy_cleanup(curl);
    if (!taken) return port;
  }
}

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

  const fs::path dir = fs::temp_directory_path() / ("redwire-scrape-e2e-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir / "config");
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
  const pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    const std::string config = (dir / "config").string(), state = (dir / "state").string();
    execl(REDWIRE_BINARY, REDWIRE_BINARY, "run", "--config", config.c_str(), "--state", state.c_str(), "--listen",
          listen.c_str(), "--log-level", "debug", static_cast<char*>(nullptr));
    _exit(127);
  }
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  INFO(Slurp(log));

  // KKE: the list's three items, each with the text of its own page.
  std::vector<Entry> kke;
  const bool kke_done = WaitFor(
      [&] {
        kke = Entries(Get(base + "/sources/kke-en.atom"));
        return kke.size() == 3 && std::all_of(kke.begin(), kke.end(), [](const Entry& e) { return !e.content.empty(); });
      },
      30s);
  INFO(Slurp(log));
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

  kill(pid, SIGTERM);
  int status = 0;
  CHECK(WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10s));
  fs::remove_all(dir);
}
