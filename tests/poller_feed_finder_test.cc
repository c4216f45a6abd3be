// app::FindFeeds over loopback: pages shaped like real ones (see
// tests/fixtures/discover/README.md) served by the fixture server, each
// candidate fetched through a real Fetcher and proved by the feed parser.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <asio/io_context.hpp>

#include "daemon/find/feed_finder.h"
#include "daemon/fetch/fetcher.h"
#include "support/fixture_server.h"

using namespace std::chrono_literals;
using redwire::app::FeedSearch;
using redwire::app::FinderOptions;
using redwire::testing::FixtureRequest;
using redwire::testing::FixtureResponse;
using redwire::testing::FixtureServer;

namespace {

std::string Page(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/discover/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const std::string kRss =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Noticias</title>"
    "<link>http://partido.example/</link><item><title>Uno</title><link>http://partido.example/1</link>"
    "<pubDate>Tue, 12 May 2020 10:00:00 GMT</pubDate></item><item><title>Dos</title>"
    "<link>http://partido.example/2</link></item></channel></rss>";
const std::string kAtom =
    "<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'><id>tag:blogger.com,1999:blog-1</id>"
    "<updated>2018-03-05T10:00:00+02:00</updated><title type='text'>In Defense of Communism</title>"
    "<entry><id>tag:blogger.com,1999:blog-1.post-2</id><updated>2018-03-05T10:00:00+02:00</updated>"
    "<title type='text'>Statement of the KKE</title><link rel='alternate' type='text/html' "
    "href='http://blog.example/2018/03/statement-of-the-kke.html'/></entry></feed>";
// What many sites answer for a path they do not have: 200 and a page.
const std::string kSoft404 = "<!DOCTYPE html><html><head><title>Page not found</title></head><body>"
                             "<h1>Nothing here</h1></body></html>";

redwire::fetch::Options Quick() {
  redwire::fetch::Options o;
  o.connect_timeout = 2s;
  o.total_timeout = 5s;
  o.host_delay = 0ms;
  return o;
}

FeedSearch Find(FixtureServer& server, const std::string& path, const std::string& html,
                FinderOptions options = {}, redwire::fetch::Options fetch = Quick()) {
  if (options.source_id.empty()) {
    options.source_id = "test";
    options.allow_private = true;
  }
  asio::io_context io;
  redwire::fetch::Fetcher fetcher(io, fetch);
  FeedSearch out;
  bool done = false;
  redwire::app::FindFeeds(fetcher, server.url(path), html, "text/html; charset=utf-8", options,
                          [&](FeedSearch s) {
                            out = std::move(s);
                            done = true;
                          });
  io.run();
  REQUIRE(done);
  return out;
}

std::vector<std::string> Targets(const FixtureServer& server) {
  std::vector<std::string> t;
  for (const auto& r : server.requests()) t.push_back(r.target);
  return t;
}

}  // namespace

TEST_CASE("a feed linked only with <a> is found (Granma's /feed, not /feedback)", "[discover]") {
  FixtureServer server;
  server.Static("/feed", "application/rss+xml", kRss, "\"f\"");
  const FeedSearch s = Find(server, "/", Page("granma-a-feed.html"));
  REQUIRE(s.feeds.size() == 1);
  CHECK(s.feeds[0].url == server.url("/feed"));
  CHECK(s.feeds[0].how == "linked");
  CHECK(s.feeds[0].title == "Noticias");
  CHECK(s.feeds[0].feed.items.size() == 2);
  CHECK_FALSE(s.probed);  // a feed was on the page: no probing
  CHECK(Targets(server) == std::vector<std::string>{"/feed"});
}

TEST_CASE("Drupal's feed-icon link and Rizospastis's rssFeed.do are found", "[discover]") {
  FixtureServer server;
  server.Static("/rss.xml", "application/rss+xml; charset=utf-8", kRss, "\"r\"");
  server.Static("/rssFeed.do", "text/xml", kRss, "\"z\"");
  const FeedSearch drupal = Find(server, "/", Page("drupal-feed-icon.html"));
  CHECK(drupal.cms == "drupal");
  REQUIRE(drupal.feeds.size() == 1);
  CHECK(drupal.feeds[0].url == server.url("/rss.xml"));
  CHECK(drupal.feeds[0].how == "linked");

  const FeedSearch rizo = Find(server, "/index.do", Page("rizospastis-rssfeed-do.html"));
  REQUIRE(rizo.feeds.size() == 1);
  CHECK(rizo.feeds[0].url == server.url("/rssFeed.do?channel=Top"));
  CHECK(server.requests().back().target == "/rssFeed.do?channel=Top");
}

TEST_CASE("unadvertised feeds are found at the CMS's usual paths", "[discover]") {
  FixtureServer server;
  SECTION("WordPress: the category's own feed/ first, and nothing after the first feed") {
    server.Static("/category/internacional/feed/", "application/rss+xml", kRss, "\"c\"");
    server.Static("/feed/", "application/rss+xml", kRss, "\"w\"");
    const FeedSearch s = Find(server, "/category/internacional/", Page("wordpress-no-feed-links.html"));
    CHECK(s.cms == "wordpress");
    CHECK(s.probed);
    REQUIRE(s.feeds.size() == 1);
    CHECK(s.feeds[0].url == server.url("/category/internacional/feed/"));
    CHECK(s.feeds[0].how == "probed");
    CHECK(Targets(server) == std::vector<std::string>{"/category/internacional/feed/"});
  }
  SECTION("Blogger: /feeds/posts/default") {
    server.Static("/feeds/posts/default", "application/atom+xml; charset=UTF-8", kAtom, "\"b\"");
    const FeedSearch s = Find(server, "/", Page("blogger-no-feed-links.html"));
    CHECK(s.cms == "blogger");
    REQUIRE(s.feeds.size() == 1);
    CHECK(s.feeds[0].feed.format == "atom10");
    CHECK(s.feeds[0].url == server.url("/feeds/posts/default"));
  }
  SECTION("Joomla: the page's own ?format=feed&type=rss") {
    const std::string page = Page("joomla-no-feed-links.html");
    server.Route("/posicoes-politicas", [page](const FixtureRequest& r) {
      FixtureResponse response;
      const bool feed = r.target.find("format=feed") != std::string::npos;
      response.headers = {{"Content-Type", feed ? "application/rss+xml" : "text/html"}};
      response.body = feed ? kRss : page;
      return response;
    });
    const FeedSearch s = Find(server, "/posicoes-politicas", page);
    CHECK(s.cms == "joomla");
    REQUIRE(s.feeds.size() == 1);
    CHECK(s.feeds[0].url == server.url("/posicoes-politicas?format=feed&type=rss"));
  }
  SECTION("no CMS shown: generic paths; a 200 page at /feed/ is rejected after parsing") {
    server.Static("/feed/", "text/html; charset=utf-8", kSoft404, "\"s\"");
    server.Static("/rss.xml", "application/rss+xml", kRss, "\"r\"");
    const FeedSearch s = Find(server, "/statements", Page("plain-no-cms.html"));
    CHECK(s.cms.empty());
    REQUIRE(s.feeds.size() == 1);
    CHECK(s.feeds[0].url == server.url("/rss.xml"));
    REQUIRE(s.rejected.size() == 1);
    CHECK(s.rejected[0].url == server.url("/feed/"));
    CHECK(s.rejected[0].reason.rfind("not a feed: ", 0) == 0);
    CHECK(Targets(server) == (std::vector<std::string>{"/feed/", "/rss.xml"}));
  }
  SECTION("a site with no feed anywhere: every probe rejected, none found") {
    const FeedSearch s = Find(server, "/statements", Page("plain-no-cms.html"));
    CHECK(s.feeds.empty());
    CHECK(s.probed);
    REQUIRE(s.rejected.size() == 4);
    CHECK(s.rejected[0].reason == "HTTP 404");
    CHECK(server.requests().size() == 4);
  }
}

TEST_CASE("a probe redirected to a private address is refused by the SSRF guard", "[discover][ssrf]") {
  // Everything here is loopback, so the guard is narrowed: 127.0.0.1 plays
  // the public site and its IPv4-mapped spelling an internal host.
  FixtureServer server;
  server.Static("/internal-feed", "application/rss+xml", kRss, "\"i\"");
  const std::string internal = "http://[::ffff:127.0.0.1]:" + std::to_string(server.port()) + "/internal-feed";
  server.Route("/feed/", [internal](const FixtureRequest&) {
    FixtureResponse r;
    r.status = 302;
    r.headers = {{"Location", internal}};
    return r;
  });
  server.Static("/rss.xml", "application/rss+xml", kRss, "\"r\"");
  redwire::fetch::Options fetch = Quick();
  fetch.is_public = [](const asio::ip::address& a) { return a == asio::ip::make_address("127.0.0.1"); };
  FinderOptions options;
  options.source_id = "guarded";
  options.allow_private = false;
  const FeedSearch s = Find(server, "/statements", Page("plain-no-cms.html"), options, fetch);
  REQUIRE(s.rejected.size() == 1);
  CHECK(s.rejected[0].url == server.url("/feed/"));
  CHECK(s.rejected[0].reason.rfind("blocked-address", 0) == 0);
  CHECK(server.count("/internal-feed", 200) == 0);
  REQUIRE(s.feeds.size() == 1);  // the next probe, on the public address, is fine
  CHECK(s.feeds[0].url == server.url("/rss.xml"));
}

TEST_CASE("advertised feeds are all checked, first_only stops at the first", "[discover]") {
  FixtureServer server;
  const std::string page =
      "<html><head><link rel=alternate type=application/rss+xml href=/feed/>"
      "<link rel=alternate type=application/atom+xml href=/gone.atom></head>"
      "<body><a href=/rss.xml>RSS</a></body></html>";
  server.Static("/feed/", "application/rss+xml", kRss, "\"f\"");
  server.Static("/rss.xml", "application/rss+xml", kRss, "\"r\"");
  const FeedSearch all = Find(server, "/", page);
  REQUIRE(all.feeds.size() == 2);
  CHECK(all.feeds[0].how == "advertised");
  CHECK(all.feeds[1].how == "linked");
  REQUIRE(all.rejected.size() == 1);
  CHECK(all.rejected[0].url == server.url("/gone.atom"));
  CHECK_FALSE(all.probed);

  FinderOptions first;
  first.source_id = "first";
  first.allow_private = true;
  first.first_only = true;
  const FeedSearch one = Find(server, "/", page, first);
  REQUIRE(one.feeds.size() == 1);
  CHECK(one.feeds[0].url == server.url("/feed/"));
  CHECK(one.unchecked == 2);
}
