// The daemon's page sources and the feeds of their sites, in-process: a real
// Poller, Fetcher, Ingester and SQLite store polling pages shaped like real
// ones (tests/fixtures/discover/) on the loopback fixture server, and
// `redwire status`'s table read back from the same store.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include <asio/io_context.hpp>

#include "daemon/cli/health.h"
#include "daemon/schedule/poller.h"
#include "daemon/fetch/fetcher.h"
#include "store/store.h"
#include "support/fixture_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using redwire::app::LiveConfig;
using redwire::app::Poller;
using redwire::config::Source;
using redwire::store::SourceState;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;
using Clock = std::chrono::steady_clock;

namespace {

std::string Page(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/discover/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Rss(const std::string& title, int items) {
  std::string s = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + title +
                  "</title><link>http://site.example/</link>";
  for (int i = 0; i < items; ++i) {
    s += "<item><title>" + title + " " + std::to_string(i) + "</title><link>http://site.example/" + title + "/" +
         std::to_string(i) + "</link><pubDate>" + std::to_string(10 + i) + " Jan 2024 00:00:00 +0000</pubDate></item>";
  }
  return s + "</channel></rss>";
}

Source PageSource(const std::string& id, const std::string& url) {
  Source s;
  s.id = id;
  s.name = id;
  s.url = url;
  s.every = 1s;
  s.allow_private = true;
  s.has_scrape = true;  // an empty [source.scrape]: rules not written yet
  return s;
}

struct Rig {
  Rig() {
    dir = fs::temp_directory_path() /
          ("redwire-found-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir / "feeds");
    store = std::move(redwire::store::Store::Open((dir / "redwire.db").string()).value());
    redwire::fetch::Options o;
    o.connect_timeout = 1s;
    o.total_timeout = 2s;
    o.host_delay = 0ms;
    fetcher = std::make_unique<redwire::fetch::Fetcher>(io, o);
  }
  ~Rig() {
    poller.reset();
    fetcher.reset();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void Begin(std::vector<Source> sources) {
    auto live = std::make_shared<LiveConfig>();
    live->catalog.sources = std::move(sources);
    poller = std::make_unique<Poller>(io, *store, *fetcher, live);
    poller->Start();
  }
  bool RunUntil(const std::function<bool()>& done, Clock::duration limit) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (done()) return true;
      io.restart();
      io.run_for(50ms);
    }
    return done();
  }
  SourceState State(const std::string& id) { return store->GetSourceState(id).value().value_or(SourceState{}); }
  std::size_t Items(const std::string& id) {
    redwire::store::Query q;
    q.source = id;
    q.limit = 0;
    return store->Items(q).value().size();
  }
  // `redwire status --state DIR --config DIR` with `toml` as the config.
  std::string Status(const std::string& toml) {
    std::ofstream(dir / "feeds" / "sources.toml") << toml;
    redwire::app::HealthOptions options;
    options.state_dir = dir.string();
    options.config_dir = (dir / "feeds").string();
    auto report = redwire::app::SourceHealth(options);
    REQUIRE(report.ok());
    return report.value().text;
  }

  fs::path dir;
  FixtureServer server;
  asio::io_context io;
  std::unique_ptr<redwire::store::Store> store;
  std::unique_ptr<redwire::fetch::Fetcher> fetcher;
  std::unique_ptr<Poller> poller;
};

std::string Toml(const std::string& id, const std::string& url, const std::string& scrape) {
  return "[[source]]\nid = \"" + id + "\"\nname = \"" + id + "\"\nurl = \"" + url +
         "\"\nallow_private = true\n[source.scrape]\n" + scrape + "\n";
}

}  // namespace

TEST_CASE("a page source without rules polls the feed found on its page, and says so", "[poller][discover]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Static("/", "text/html; charset=utf-8", Page("granma-a-feed.html"), "\"g\"");
  server.Static("/feed", "application/rss+xml", Rss("granma", 3), "\"f\"");
  rig.Begin({PageSource("granma", server.url("/"))});
  // The page once; from then on the feed itself, conditionally.
  REQUIRE(rig.RunUntil([&] { return server.count("/feed", 304) >= 1; }, 10s));
  rig.poller->Stop();
  CHECK(server.count("/", 200) == 1);
  const SourceState st = rig.State("granma");
  CHECK(st.found_feed == server.url("/feed"));
  CHECK(st.found_on == server.url("/"));
  CHECK(st.found_checked > 0);
  CHECK(st.last_error.empty());
  CHECK(rig.Items("granma") == 3);
  const std::string status = rig.Status(Toml("granma", server.url("/"), ""));
  INFO(status);
  CHECK(status.find("  note: using the feed " + server.url("/feed") + " found on the page") != std::string::npos);
}

TEST_CASE("a source URL that is a page without feed links finds its feed by probing", "[poller][discover]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Static("/category/internacional/", "text/html", Page("wordpress-no-feed-links.html"), "\"w\"");
  server.Static("/category/internacional/feed/", "application/rss+xml", Rss("wp", 2), "\"c\"");
  Source feedless = PageSource("wp", server.url("/category/internacional/"));
  feedless.has_scrape = false;  // configured as a feed; the URL is a page
  rig.Begin({feedless});
  REQUIRE(rig.RunUntil([&] { return rig.Items("wp") == 2; }, 10s));
  rig.poller->Stop();
  CHECK(rig.State("wp").found_feed == server.url("/category/internacional/feed/"));
}

TEST_CASE("a found feed that goes away sends the next poll back to the page", "[poller][discover]") {
  Rig rig;
  FixtureServer& server = rig.server;
  std::atomic<bool> feed_up{true};
  server.Static("/", "text/html; charset=utf-8", Page("drupal-feed-icon.html"), "\"d\"");
  server.Route("/rss.xml", [&feed_up](const FixtureRequest&) {
    FixtureResponse r;
    if (!feed_up) {
      r.status = 404;
      return r;
    }
    r.headers = {{"Content-Type", "application/rss+xml"}};
    r.body = Rss("pcp", 2);
    return r;
  });
  rig.Begin({PageSource("pcp", server.url("/"))});
  REQUIRE(rig.RunUntil([&] { return rig.State("pcp").found_feed == server.url("/rss.xml"); }, 10s));
  feed_up = false;
  REQUIRE(rig.RunUntil([&] { return server.count("/rss.xml", 404) >= 1; }, 10s));
  REQUIRE(rig.RunUntil([&] { return rig.State("pcp").consecutive_failures >= 1; }, 5s));
  SourceState st = rig.State("pcp");
  CHECK(st.found_feed.empty());
  CHECK(st.last_error.find("the feed found on the page, " + server.url("/rss.xml") + ", answered HTTP 404") !=
        std::string::npos);
  // Next poll: the page again, whose feed is gone too, so it says what to do.
  REQUIRE(rig.RunUntil([&] { return server.count("/", 200) >= 2 && rig.State("pcp").consecutive_failures >= 2; }, 15s));
  rig.poller->Stop();
  st = rig.State("pcp");
  CHECK(st.last_error.find("is a web page and no feed of its site was found") != std::string::npos);
  CHECK(st.last_error.find("give the source [source.scrape] rules") != std::string::npos);
}

TEST_CASE("a scraped page whose site has a feed keeps scraping and reports the feed", "[poller][discover]") {
  Rig rig;
  FixtureServer& server = rig.server;
  server.Static("/category/internacional/", "text/html", Page("wordpress-no-feed-links.html"), "\"w\"");
  server.Static("/category/internacional/feed/", "application/rss+xml", Rss("wp", 5), "\"c\"");
  Source scraped = PageSource("wp", server.url("/category/internacional/"));
  scraped.scrape.item = "article.post";
  scraped.scrape.title = "h2.entry-title";
  rig.Begin({scraped});
  REQUIRE(rig.RunUntil([&] { return !rig.State("wp").found_feed.empty(); }, 10s));
  // Once a day at most: later polls scrape without searching again.
  REQUIRE(rig.RunUntil([&] { return server.count("/category/internacional/", 304) >= 1; }, 10s));
  rig.poller->Stop();
  CHECK(server.count("/category/internacional/feed/", 200) == 1);
  CHECK(rig.Items("wp") == 2);  // the page's two articles, not the feed's five
  const SourceState st = rig.State("wp");
  CHECK(st.found_feed == server.url("/category/internacional/feed/"));
  const std::string status =
      rig.Status(Toml("wp", server.url("/category/internacional/"), "item = \"article.post\"\ntitle = \"h2.entry-title\""));
  INFO(status);
  CHECK(status.find("  note: the site has a feed, " + server.url("/category/internacional/feed/") +
                    ": make it the source's url instead of scraping") != std::string::npos);
}
