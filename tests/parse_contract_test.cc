// The `redwire parse` contract and the feed-level fields (issue 3 points 1
// and 7) through the public API.
#include <catch2/catch.hpp>

#include <string>

#include "daemon/parse/parse.h"

namespace {

using redwire::ParsedFeed;
using redwire::parse::Context;
using redwire::parse::Inspect;
using redwire::parse::ParseFeed;
using redwire::parse::ToJson;
using redwire::parse::ToSummary;

constexpr redwire::UnixTime kNow = 1741600800;  // 2025-03-10T10:00:00Z

Context MakeContext(std::string url) {
  Context c;
  c.source_id = "contract";
  c.base_url = std::move(url);
  c.now = kNow;
  return c;
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

const char* kWordPress = R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel><title>TKP</title><link>https://www.tkp.org.tr/</link><description>Türkiye Komünist Partisi</description>
<atom:link href="https://www.tkp.org.tr/feed/" rel="self" type="application/rss+xml"/>
<atom:link href="https://hub.example.org/" rel="hub"/>
<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
<item><title>Say "hi"	tab</title><link>/haber/1</link><pubDate>Mon, 03 Mar 2025 12:00:00 +0300</pubDate></item>
<item><title>No date</title><link>/haber/2</link></item>
</channel></rss>)";

}  // namespace

TEST_CASE("feed meta: self, hub, ttl from sy:, and the self link as base", "[contract]") {
  // Without a final URL (a saved file), the feed's own URL resolves links.
  auto parsed = ParseFeed(kWordPress, MakeContext(""));
  REQUIRE(parsed.ok());
  const ParsedFeed& feed = parsed.value();
  CHECK(feed.format == "rss20");
  CHECK(feed.encoding == "utf-8");
  CHECK(feed.meta.self == "https://www.tkp.org.tr/feed/");
  CHECK(feed.meta.hub == "https://hub.example.org/");
  CHECK(feed.meta.subtitle == "Türkiye Komünist Partisi");
  CHECK(feed.meta.ttl_seconds == 6 * 3600);
  REQUIRE(feed.items.size() == 2);
  CHECK(feed.items[0].link == "https://www.tkp.org.tr/haber/1");
}

TEST_CASE("ToJson: the contract's shape, escapes and nulls", "[contract]") {
  auto parsed = ParseFeed(kWordPress, MakeContext("https://www.tkp.org.tr/feed/"));
  REQUIRE(parsed.ok());
  const std::string json = ToJson(parsed.value());
  CHECK(json.starts_with("{\n  \"format\": \"rss20\",\n  \"encoding\": \"utf-8\",\n  \"bozo\": false,"));
  CHECK(Contains(json, "\"bozo_reason\": null"));
  CHECK(Contains(json, "\"title\": \"Say \\\"hi\\\" tab\""));  // quotes escaped, tab collapsed
  CHECK(Contains(json, "\"published\": \"2025-03-03T09:00:00Z\""));
  CHECK(Contains(json, "\"date_flag\": \"first_seen\""));      // the undated item
  CHECK(Contains(json, "\"published\": null"));
  CHECK(Contains(json, "\"categories\": []"));
  CHECK(Contains(json, "\"hub\": \"https://hub.example.org/\""));
}

TEST_CASE("ToSummary: one block per item for operators", "[contract]") {
  auto parsed = ParseFeed(kWordPress, MakeContext("https://www.tkp.org.tr/feed/"));
  REQUIRE(parsed.ok());
  const std::string text = ToSummary(parsed.value());
  CHECK(Contains(text, "format: rss20\n"));
  CHECK(Contains(text, "title: TKP\n"));
  CHECK(Contains(text, "ttl: 21600 s\n"));
  CHECK(Contains(text, "items: 2\n"));
  CHECK(Contains(text, "2025-03-03T09:00:00Z Say \"hi\" tab\n"));
  CHECK(Contains(text, "(no date)"));
}

TEST_CASE("Inspect: web pages are format html, other failures errors", "[contract]") {
  const Context context = MakeContext("https://www.kke.gr/");
  auto page = Inspect("<!DOCTYPE html><html><head><title>KKE</title></head><body></body></html>",
                      context, true);
  REQUIRE(page.ok());
  CHECK(Contains(page.value(), "\"format\": \"html\""));
  CHECK(Contains(page.value(), "\"bozo_reason\": \"not a feed: HTML page\""));
  CHECK(Contains(page.value(), "\"items\": []"));
  auto empty = Inspect("", context, true);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message == "empty body");
  auto json = Inspect("{\"version\": 1}", context, false);
  REQUIRE_FALSE(json.ok());
  CHECK(Contains(json.error().message, "JSON Feed"));
}

TEST_CASE("recovery keeps the items after a mid-document error", "[contract][bozo]") {
  std::string body = "<rss version=\"2.0\"><channel><title>T</title>";
  for (int i = 0; i < 20; ++i) {
    body += "<item><title>Item " + std::to_string(i) + "</title><guid>g" + std::to_string(i) +
            "</guid><description>" + (i == 3 ? "<div>unclosed" : "fine") + "</description></item>";
  }
  body += "</channel></rss>";
  auto parsed = ParseFeed(body, MakeContext("https://example.org/feed"));
  REQUIRE(parsed.ok());
  CHECK(parsed->bozo);
  CHECK(Contains(parsed->bozo_reason, "recovered with an HTML parser"));
  REQUIRE(parsed->items.size() == 20);
  CHECK(parsed->items[19].title == "Item 19");
  CHECK(parsed->items[3].summary == "<div>unclosed</div>");
}
