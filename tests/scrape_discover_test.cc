// scrape::FindFeedCandidates on saved pages (tests/fixtures/discover/): what
// is advertised, linked and worth probing, with no fetching.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "daemon/scrape/scrape.h"

using redwire::scrape::FindFeedCandidates;

namespace {

std::string Page(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/discover/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> Urls(const std::vector<redwire::scrape::DiscoveredFeed>& feeds) {
  std::vector<std::string> urls;
  for (const auto& f : feeds) urls.push_back(f.url);
  return urls;
}

}  // namespace

TEST_CASE("<a> links whose URL or text says feed are candidates, feedback and atomic are not", "[discover]") {
  const auto granma = FindFeedCandidates(Page("granma-a-feed.html"), "http://www.granma.cu/");
  CHECK(granma.advertised.empty());
  CHECK(Urls(granma.linked) == std::vector<std::string>{"http://www.granma.cu/feed"});
  CHECK(granma.linked[0].how == "linked");
  CHECK(granma.linked[0].title == "RSS");

  const auto drupal = FindFeedCandidates(Page("drupal-feed-icon.html"), "https://www.pcp.pt/");
  CHECK(drupal.cms == "drupal");
  CHECK(Urls(drupal.linked) == std::vector<std::string>{"https://www.pcp.pt/rss.xml"});
  CHECK(drupal.linked[0].title == "Subscribe to Partido Comunista Português RSS Subscribe to Partido Comunista Português RSS");
  CHECK(drupal.probes.empty());  // its one usual path is the linked one

  const auto rizo = FindFeedCandidates(Page("rizospastis-rssfeed-do.html"), "https://www.rizospastis.gr/index.do");
  CHECK(Urls(rizo.linked) == std::vector<std::string>{"https://www.rizospastis.gr/rssFeed.do?channel=Top"});
  CHECK(rizo.linked[0].title == "RSS");  // the icon's alt

  // A link that only its text names as a feed comes after those whose URL does.
  const auto mixed = FindFeedCandidates(
      "<a href=/subscribe>Subscribe by RSS</a><a href=/news/atom.xml>news</a><a href=mailto:x@e.org>RSS</a>"
      "<a href='javascript:void(0)'>feed</a><a href=#feed>feed</a>",
      "https://e.org/");
  CHECK(Urls(mixed.linked) == (std::vector<std::string>{"https://e.org/news/atom.xml", "https://e.org/subscribe"}));
}

TEST_CASE("the CMS is recognised and its usual feed paths proposed", "[discover]") {
  const auto wp = FindFeedCandidates(Page("wordpress-no-feed-links.html"), "https://pc.example/category/internacional/");
  CHECK(wp.cms == "wordpress");
  CHECK(wp.linked.empty());
  CHECK(Urls(wp.probes) == (std::vector<std::string>{"https://pc.example/category/internacional/feed/",
                                                     "https://pc.example/feed/", "https://pc.example/?feed=rss2"}));
  const auto blogger = FindFeedCandidates(Page("blogger-no-feed-links.html"), "https://blog.example/");
  CHECK(blogger.cms == "blogger");
  CHECK(Urls(blogger.probes) == std::vector<std::string>{"https://blog.example/feeds/posts/default"});
  const auto joomla = FindFeedCandidates(Page("joomla-no-feed-links.html"), "https://setubal.pcp.pt/posicoes-politicas?start=768");
  CHECK(joomla.cms == "joomla");
  CHECK(Urls(joomla.probes) ==
        (std::vector<std::string>{"https://setubal.pcp.pt/posicoes-politicas?format=feed&type=rss",
                                  "https://setubal.pcp.pt/index.php?format=feed&type=rss"}));
  const auto hugo = FindFeedCandidates("<meta name=generator content='Hugo 0.120.4'><p>x</p>", "https://h.example/posts/");
  CHECK(hugo.cms == "hugo");
  CHECK(Urls(hugo.probes) == (std::vector<std::string>{"https://h.example/posts/index.xml", "https://h.example/index.xml"}));
  const auto plain = FindFeedCandidates(Page("plain-no-cms.html"), "https://www.wfdy.org/showStatement");
  CHECK(plain.cms.empty());
  CHECK(Urls(plain.probes) == (std::vector<std::string>{"https://www.wfdy.org/feed/", "https://www.wfdy.org/rss.xml",
                                                        "https://www.wfdy.org/index.xml", "https://www.wfdy.org/atom.xml"}));
  // Saved pages of tests/fixtures/scrape: CPUSA advertises, so its probes
  // are the WordPress paths not already advertised.
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/scrape/cpusa-wordpress.html", std::ios::binary);
  std::ostringstream cpusa;
  cpusa << in.rdbuf();
  const auto c = FindFeedCandidates(cpusa.str(), "https://www.cpusa.org/article_tag/palestine/");
  CHECK(c.cms == "wordpress");
  CHECK(c.advertised.size() == 3);
  CHECK(Urls(c.probes) == std::vector<std::string>{"https://www.cpusa.org/?feed=rss2"});
}
