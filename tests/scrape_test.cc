// The selector engine, rules compilation and autodiscovery on small inline
// pages; the saved-site fixtures are in scrape_fixtures_test.cc.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/scrape/scrape.h"

using redwire::scrape::Rules;
using redwire::scrape::RuleText;
using redwire::scrape::Selector;

namespace {

std::vector<std::string> Select(const std::string& html, const std::string& selector) {
  auto compiled = Selector::Compile(selector);
  REQUIRE(compiled.ok());
  return redwire::scrape::SelectValues(html, compiled.value());
}

using V = std::vector<std::string>;

const std::string kList = R"(<!doctype html><body>
<ul id="news" class="list main">
  <li class="item first" data-kind="statement" lang="en-GB"><a href="/a">A</a></li>
  <li class="item"><a href="/b" title="two words">B</a></li>
  <li class="item hot" data-kind="press-release"><a href="/c">C</a></li>
  <li class="item"><a href="https://x.org/d.pdf">D</a></li>
  <li class="other"><span>E</span></li>
</ul>
<p class="note">N1</p><div>mid</div><p class="note">N2</p>
<section><h2>T</h2><p>P1</p><p>P2</p></section>
</body>)";

}  // namespace

TEST_CASE("type, class, id and universal selectors", "[selector]") {
  CHECK(Select(kList, "li") == V{"A", "B", "C", "D", "E"});
  CHECK(Select(kList, ".item") == V{"A", "B", "C", "D"});
  CHECK(Select(kList, "li.item.hot") == V{"C"});
  CHECK(Select(kList, "#news > .other") == V{"E"});
  CHECK(Select(kList, "ul#news.main *").size() == 10);  // 5 li, 4 a, 1 span
  CHECK(Select(kList, "LI.other SPAN") == V{"E"});     // tag names ignore case
}

TEST_CASE("attribute selectors", "[selector]") {
  CHECK(Select(kList, "li[data-kind]") == V{"A", "C"});
  CHECK(Select(kList, "li[data-kind=statement]") == V{"A"});
  CHECK(Select(kList, "a[title~=words]") == V{"B"});
  CHECK(Select(kList, "a[title~=word]").empty());
  CHECK(Select(kList, "a[href^='/']") == V{"A", "B", "C"});
  CHECK(Select(kList, "a[href$=\".pdf\"]") == V{"D"});
  CHECK(Select(kList, "li[data-kind*=release]") == V{"C"});
  CHECK(Select(kList, "li[lang|=en]") == V{"A"});
  CHECK(Select(kList, "li[data-kind=STATEMENT i]") == V{"A"});
  CHECK(Select(kList, "a[href^='']").empty());  // an empty prefix matches nothing, as in CSS
}

TEST_CASE("combinators", "[selector]") {
  CHECK(Select(kList, "ul li a") == V{"A", "B", "C", "D"});
  CHECK(Select(kList, "ul > a").empty());
  CHECK(Select(kList, "li.first + li") == V{"B"});
  CHECK(Select(kList, "li.hot ~ li") == V{"D", "E"});
  CHECK(Select(kList, "p.note + div") == V{"mid"});
  CHECK(Select(kList, "h2 ~ p") == V{"P1", "P2"});
  CHECK(Select(kList, "body>section>p") == V{"P1", "P2"});
}

TEST_CASE("structural pseudo-classes and :not", "[selector]") {
  CHECK(Select(kList, "li:first-child") == V{"A"});
  CHECK(Select(kList, "li:last-child") == V{"E"});
  CHECK(Select(kList, "li:nth-child(2)") == V{"B"});
  CHECK(Select(kList, "li:nth-child(odd)") == V{"A", "C", "E"});
  CHECK(Select(kList, "li:nth-child(even)") == V{"B", "D"});
  CHECK(Select(kList, "li:nth-child(2n+1)") == V{"A", "C", "E"});
  CHECK(Select(kList, "li:nth-child(3n)") == V{"C"});
  CHECK(Select(kList, "li:nth-child(-n+2)") == V{"A", "B"});
  CHECK(Select(kList, "li:nth-child( n + 4 )") == V{"D", "E"});
  CHECK(Select(kList, "li:not(.item)") == V{"E"});
  CHECK(Select(kList, "li.item:not(:first-child):not([data-kind])") == V{"B", "D"});
  CHECK(Select(kList, "section p:not(:last-child)") == V{"P1"});
}

TEST_CASE("comma groups keep document order and @attr takes attributes", "[selector]") {
  CHECK(Select(kList, "section h2, li.hot, p.note") == V{"C", "N1", "N2", "T"});
  CHECK(Select(kList, "li.item a @href") == V{"/a", "/b", "/c", "https://x.org/d.pdf"});
  CHECK(Select(kList, "a@title") == V{"two words"});
  CHECK(Select(kList, "li @data-kind") == V{"statement", "press-release"});
}

TEST_CASE("bad selectors are errors with a position", "[selector]") {
  const std::pair<const char*, std::size_t> cases[] = {
      {"div >", 5},          {"a[href", 6},        {"li:hover", 3},     {"li:nth-child(x)", 13},
      {"a @", 3},            {"a @href b", 8},     {"div,,p", 4},       {"[=x]", 1},
      {"a[href%=x]", 6},     {"", 0},              {"p:not(", 6},       {"h2 a ]", 5},
  };
  for (const auto& [text, offset] : cases) {
    std::size_t at = 999;
    auto s = Selector::Compile(text, &at);
    INFO(text);
    CHECK_FALSE(s.ok());
    CHECK(at == offset);
  }
}

TEST_CASE("rules need an item selector or an xpath and report the bad field", "[rules]") {
  RuleText text;
  CHECK_FALSE(Rules::Compile(text).ok());
  text.item = "article";
  text.title = "h2 >> a";
  std::string field;
  std::size_t offset = 0;
  auto r = Rules::Compile(text, &field, &offset);
  REQUIRE_FALSE(r.ok());
  CHECK(field == "title");
  CHECK(offset == 4);
  text.title = "h2 a";
  text.xpath = "//article";
  CHECK_FALSE(Rules::Compile(text).ok());  // both
  text.item.clear();
  text.xpath = "//article[";
  r = Rules::Compile(text, &field, &offset);
  REQUIRE_FALSE(r.ok());
  CHECK(field == "xpath");
  text.xpath = "//article";
  text.follow = true;
  r = Rules::Compile(text, &field);
  REQUIRE_FALSE(r.ok());
  CHECK(field == "content");
  text.content = "div.body";
  CHECK(Rules::Compile(text).ok());
  CHECK(Rules::Compile(text)->follows());
  CHECK(redwire::scrape::HasRules(text));
  CHECK_FALSE(redwire::scrape::HasRules(RuleText{}));
}

TEST_CASE("deep nesting is walked without recursion, hostile depth is refused fast", "[selector]") {
  auto nested = [](int depth) {
    std::string html = "<html><body>";
    for (int i = 0; i < depth; ++i) html += i % 2 ? "<div>" : "<span class=x>";
    return html + "<a class='deep' href='/x'>bottom</a>";
  };
  RuleText text;
  text.item = "a.deep";
  auto rules = Rules::Compile(text);
  REQUIRE(rules.ok());
  // Deeper than any real page, still within the cap.
  const std::string deep = nested(2000);
  CHECK(Select(deep, "div > a.deep @href") == V{"/x"});
  CHECK(Select(deep, "body span div a") == V{"bottom"});
  auto out = redwire::scrape::Extract(deep, rules.value(), {"deep", "https://example.org/", "en", 1000});
  REQUIRE(out.ok());
  REQUIRE(out->items.size() == 1);
  CHECK(out->items[0].link == "https://example.org/x");
  text.item.clear();
  text.xpath = "//a";
  auto xrules = Rules::Compile(text);
  REQUIRE(xrules.ok());
  auto xout = redwire::scrape::Extract(deep, xrules.value(), {"deep", "https://example.org/", "en", 1000});
  REQUIRE(xout.ok());  // beyond the XPath view's depth: not found, and no crash
  CHECK(xout->items.empty());
  // 100 000 deep would take gumbo minutes: refused before parsing.
  const auto start = std::chrono::steady_clock::now();
  const std::string hostile = nested(100000);
  auto refused = redwire::scrape::Extract(hostile, rules.value(), {"deep", "https://example.org/", "en", 1000});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "page nests elements deeper than 2048");
  CHECK(Select(hostile, "a").empty());
  CHECK(redwire::scrape::DiscoverFeeds(hostile, "https://example.org/").empty());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Tag soup that never closes its paragraphs and cells is not "deep".
  std::string soup = "<table>";
  for (int i = 0; i < 5000; ++i) soup += "<tr><td><p>cell " + std::to_string(i);
  soup += "</table><a class=deep href=/y>y</a>";
  CHECK(Select(soup, "a.deep @href") == V{"/y"});
}

TEST_CASE("autodiscovery finds advertised feeds only", "[discover]") {
  const std::string html = R"HTML(<html><head><base href="https://example.org/news/">
<link rel="alternate" type="application/rss+xml" title="RSS" href="feed.xml">
<link rel="Alternate  home" type="Application/Atom+XML; charset=utf-8" href="/atom">
<link rel="alternate" type="application/feed+json" href="https://example.org/feed.json">
<link rel="alternate" type="text/html" hreflang="es" href="/es/">
<link rel="stylesheet" type="text/css" href="/s.css">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="https://EXAMPLE.org/news/feed.xml#x">
</head><body><a rel="alternate" type="application/rss+xml" href="/nope">not a link element</a></body></html>)HTML";
  auto feeds = redwire::scrape::DiscoverFeeds(html, "https://example.org/index.html");
  REQUIRE(feeds.size() == 3);
  CHECK(feeds[0].url == "https://example.org/news/feed.xml");
  CHECK(feeds[0].type == "application/rss+xml");
  CHECK(feeds[0].title == "RSS");
  CHECK(feeds[1].url == "https://example.org/atom");
  CHECK(feeds[1].type == "application/atom+xml");
  CHECK(feeds[2].type == "application/feed+json");
  CHECK(redwire::scrape::DiscoverFeeds("<html><body>no feeds</body></html>", "https://e.org/").empty());
  CHECK(redwire::scrape::DiscoverFeeds("", "https://e.org/").empty());
}
