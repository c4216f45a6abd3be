// Issue 15: what a run beside feedparser on several hundred real feeds
// found redwire losing or misreading, one case per point, each on its
// fixture in tests/fixtures/feeds/ (README.md there says where each shape
// was seen). The golden test pins every field; these name the behaviour.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "daemon/parse/parse.h"

namespace {

using redwire::Item;
using redwire::ParsedFeed;
using redwire::UnixTime;
using redwire::parse::Context;
using redwire::parse::ParseFeed;

constexpr UnixTime kNow = 1741600800;  // 2025-03-10T10:00:00Z

std::string Feed(const std::string& name) {
  std::ifstream in(std::filesystem::path(REDWIRE_FIXTURES) / "feeds" / name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ParsedFeed Parse(const std::string& body, std::string base_url = "https://www.example.org/feed",
                 UnixTime now = kNow) {
  Context context;
  context.source_id = "parity";
  context.base_url = std::move(base_url);
  context.now = now;
  auto parsed = ParseFeed(body, context);
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

ParsedFeed ParseFixture(const std::string& name) { return Parse(Feed(name)); }

std::set<std::string> Ids(const ParsedFeed& feed) {
  std::set<std::string> ids;
  for (const Item& item : feed.items) ids.insert(item.id);
  return ids;
}

}  // namespace

TEST_CASE("1: items sharing a link, or differing by #fragment, stay apart", "[parity][ids]") {
  SECTION("a newsletter whose issues all link to one page") {
    const ParsedFeed feed = ParseFixture("ids-newsletter-one-link.rss");
    REQUIRE(feed.items.size() == 3);  // four entries, one repeated word for word
    CHECK(Ids(feed).size() == 3);
    CHECK(feed.items[0].title == "Bulletin no. 12");
    CHECK(feed.items[2].title == "Bulletin no. 10");
    // The ids hold no first-seen time: the same entries keep their ids.
    const ParsedFeed later = Parse(Feed("ids-newsletter-one-link.rss"), "https://www.example.org/feed", kNow + 86400);
    CHECK(Ids(later) == Ids(feed));
  }
  SECTION("a changelog whose entries link to #anchors of one page") {
    const ParsedFeed feed = ParseFixture("ids-changelog-fragments.rss");
    REQUIRE(feed.items.size() == 4);
    CHECK(feed.items[0].id == "https://www.example.org/changelog#v2-3");
    CHECK(feed.items[2].id == "https://www.example.org/changelog#v2-1");
    // A link no other entry shares keeps the id it always had.
    CHECK(feed.items[3].id == "https://www.example.org/about");
  }
  SECTION("a hundred issues on one link are a hundred items") {
    std::string items;
    for (int i = 0; i < 111; ++i) {
      items += "<item><title>Issue " + std::to_string(i) + "</title><link>https://www.example.org/news</link></item>";
    }
    const ParsedFeed feed = Parse("<rss version=\"2.0\"><channel><title>T</title>" + items + "</channel></rss>");
    CHECK(feed.items.size() == 111);
    CHECK(Ids(feed).size() == 111);
  }
}

TEST_CASE("2: RSS 2.0 in a default namespace is RSS", "[parity][rss]") {
  for (const char* name : {"rss20-ns-userland-rss2.rss", "rss20-ns-harvard.rss", "rss20-ns-userland-rss.rss"}) {
    INFO(name);
    const ParsedFeed feed = ParseFixture(name);
    CHECK(feed.format == "rss20");
    CHECK(feed.meta.title == "Новости партии");
    CHECK(feed.meta.language == "ru");
    REQUIRE(feed.items.size() == 2);
    CHECK(feed.items[0].title == "Заявление Президиума");
    CHECK(feed.items[0].published == 1740985200);  // 2025-03-03T07:00:00Z
    CHECK_FALSE(feed.bozo);
  }
}

TEST_CASE("3: JSON Feed with an http: version URL", "[parity][json]") {
  const ParsedFeed feed = ParseFixture("json10-http-version.json");
  CHECK(feed.format == "json10");
  REQUIRE(feed.items.size() == 1);
  CHECK(feed.items[0].author == "Youth League press office");  // a string author, too
  const ParsedFeed junk = ParseFixture("bad-junk-before-json.json");
  REQUIRE(junk.items.size() == 1);
  CHECK(junk.bozo_reason == "junk before the JSON document");
}

TEST_CASE("4: a relative permalink guid is the link, resolved against the feed", "[parity][links]") {
  const std::string body =
      "<rss version=\"2.0\"><channel><title>T</title>"
      "<item><title>A</title><guid isPermaLink=\"true\">/blog/post</guid></item>"
      "<item><title>B</title><guid>12345</guid></item></channel></rss>";
  const ParsedFeed feed = Parse(body, "https://www.sacp.org.za/feed/");  // --url in redwire parse
  REQUIRE(feed.items.size() == 2);
  CHECK(feed.items[0].link == "https://www.sacp.org.za/blog/post");
  CHECK(feed.items[0].id == "/blog/post");  // the guid as given stays the id
  CHECK(feed.items[1].link.empty());       // a number is an id, not a path
}

TEST_CASE("5 and 9: authors with child elements, at item and channel level", "[parity][authors]") {
  const ParsedFeed feed = ParseFixture("rss20-author-elements.rss");
  REQUIRE(feed.items.size() == 4);
  CHECK(feed.items[0].author == "Maria Papadopoulou");
  CHECK(feed.items[1].author == "press@example.org");
  CHECK(feed.items[2].author == "Juan Pérez");
  CHECK(feed.items[3].author == "Central Committee press office");
  CHECK(feed.meta.author == "Central Committee press office");
}

TEST_CASE("5 and 9 in tag soup: the HTML-parser recovery reads the same", "[parity][authors]") {
  // Mis-nested, so the strict parse keeps nothing and gumbo reads the items.
  const ParsedFeed feed = Parse(
      "<rss version=\"2.0\"><channel><title>Soup</title>"
      "<item><title>A</title><link>https://www.example.org/a</link>"
      "<author><name>Jane Roe</name><email>jane@example.org</email></author>"
      "<description><p>unclosed</description></item>"
      "<item><title>B</title><link>https://www.example.org/b</link><fullitem>Full text</fullitem><b></item>"
      "</channel></rss>");
  CHECK(feed.bozo_reason.find("items recovered with an HTML parser") != std::string::npos);
  REQUIRE(feed.items.size() == 2);
  CHECK(feed.items[0].author == "Jane Roe");
  CHECK(feed.items[1].content_text == "Full text");
}

TEST_CASE("6: mis-cased RSS element names are read", "[parity][rss]") {
  const ParsedFeed feed = ParseFixture("rss20-miscased-elements.rss");
  CHECK(feed.meta.title == "Mis-cased");
  CHECK(feed.meta.updated == 1741075200);  // <lastbuilddate>
  REQUIRE(feed.items.size() == 3);
  CHECK(feed.items[0].published == 1741071600);  // <pubdate>
  CHECK(feed.items[1].id == "item-2");           // <GUID>
  CHECK(feed.items[2].title == "Shouting");      // <ITEM><TITLE>
  CHECK_FALSE(feed.items[2].date_is_first_seen);
}

TEST_CASE("7: no items from a document with items, a wrong declaration, junk: bozo with the reason", "[parity][bozo]") {
  const ParsedFeed wrapped = ParseFixture("bad-zero-items-wrapped.rss");
  CHECK(wrapped.items.empty());
  CHECK(wrapped.bozo);
  CHECK(wrapped.bozo_reason.find("0 items read from 2 <item> elements") != std::string::npos);

  const ParsedFeed utf16 = ParseFixture("bad-declared-utf16.rss");
  CHECK(utf16.items.size() == 1);
  CHECK(utf16.bozo_reason == "declared utf-16 but the document is in an 8-bit charset");

  const ParsedFeed junk = ParseFixture("bad-junk-before-decl.rss");
  CHECK(junk.bozo_reason.find("junk before the XML document") != std::string::npos);

  // An empty channel is a feed with no news yet, not a problem.
  const ParsedFeed empty = ParseFixture("rss20-empty-channel.rss");
  CHECK(empty.items.empty());
  CHECK_FALSE(empty.bozo);
}

TEST_CASE("8: base64 Atom text constructs are decoded", "[parity][atom]") {
  const ParsedFeed v03 = ParseFixture("atom03-base64.atom");
  CHECK(v03.meta.title == "Base64 blog");
  REQUIRE(v03.items.size() == 1);
  CHECK(v03.items[0].title == "Plain & simple");
  CHECK(v03.items[0].summary == "<p>Some <b>bold</b> text.</p>");
  CHECK(v03.items[0].content.find("Line one of a long body") != std::string::npos);
  CHECK(v03.items[0].content.find("script") == std::string::npos);  // decoded, then sanitised

  const ParsedFeed typed = ParseFixture("atom10-base64-type.atom");
  REQUIRE(typed.items.size() == 3);
  CHECK(typed.items[0].content_text == "Plain *markdown* stays text.");
  CHECK(typed.items[1].content == "<p>Decoded <em>HTML</em>.</p>");
  CHECK(typed.items[2].content.empty());  // an image has no text
}

TEST_CASE("9: fullitem, xhtml:body and Dublin Core fields", "[parity][rss]") {
  const ParsedFeed full = ParseFixture("rss20-fullitem-xhtml-body.rss");
  REQUIRE(full.items.size() == 2);
  CHECK(full.items[0].content == "<p>The <b>whole</b> text.</p>");
  CHECK(full.items[1].content == "<p>Inline <em>XHTML</em> body.</p>");

  const ParsedFeed dc = ParseFixture("rss20-dublin-core-fields.rss");
  CHECK(dc.meta.title == "Repository");
  CHECK(dc.meta.subtitle == "Recent submissions");
  CHECK(dc.meta.updated == 1741176000);  // channel dcterms:modified
  REQUIRE(dc.items.size() == 1);
  CHECK(dc.items[0].title == "On the agrarian question");
  CHECK(dc.items[0].summary == "<p>An essay.</p>");
  CHECK(dc.items[0].author == "Lenin, V. I.");
  CHECK(dc.items[0].published == 1741046400);  // dcterms:issued
  CHECK(dc.items[0].updated == 1741172400);    // dcterms:modified
}

TEST_CASE("10: MET, MEST, ET, CT, MT, PT, AT are zones, not UTC", "[parity][dates]") {
  const ParsedFeed feed = ParseFixture("dates-zones-short.rss");
  const std::pair<const char*, UnixTime> expected[] = {
      {"MET", 1741165200},  {"MEST", 1741161600}, {"ET", 1741186800}, {"CT", 1741190400},
      {"MT", 1741194000},   {"PT", 1741197600},   {"AT", 1741183200}, {"MESZ", 1741161600}};
  REQUIRE(feed.items.size() == std::size(expected));
  for (std::size_t i = 0; i < feed.items.size(); ++i) {
    INFO(expected[i].first);
    CHECK(feed.items[i].title == expected[i].first);
    CHECK(feed.items[i].published == expected[i].second);
  }
}

TEST_CASE("11: inline child elements in an untyped text construct keep their text", "[parity][atom]") {
  const ParsedFeed atom = ParseFixture("atom10-untyped-inline-markup.atom");
  CHECK(atom.meta.title == "Example Atom feed");
  REQUIRE(atom.items.size() == 1);
  CHECK(atom.items[0].title == "Example Atom");
  CHECK(atom.items[0].summary_text == "A summary with emphasis and a link.");
  const ParsedFeed rss = ParseFixture("rss20-title-child-elements.rss");
  CHECK(rss.meta.title == "Party news");
  CHECK(rss.meta.subtitle == "Latest statements and news");
  REQUIRE(rss.items.size() == 1);
  CHECK(rss.items[0].title == "Statement on Cuba today");
}

TEST_CASE("12: UTF-32 without a BOM, C1 as windows-1252, an XHTML DOCTYPE", "[parity][charset]") {
  for (const char* name : {"enc-utf-32le-nobom.rss", "enc-utf-32be-nobom.rss"}) {
    INFO(name);
    const ParsedFeed feed = ParseFixture(name);
    CHECK(feed.meta.title == "UTF-32 без BOM");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Заявление ЦК");
  }
  const ParsedFeed c1 = ParseFixture("enc-c1-in-iso-8859-15.rss");
  CHECK(c1.encoding == "iso-8859-15");
  CHECK(c1.meta.subtitle == "Euro sign in ISO-8859-15: €");
  REQUIRE(c1.items.size() == 1);
  CHECK(c1.items[0].title == "“Quoted” – dashed");
  CHECK(c1.items[0].summary_text == "“ref” and “escaped” – €5");
  const ParsedFeed curly = ParseFixture("enc-curly-quotes-undeclared.rss");
  CHECK(curly.encoding == "windows-1252");
  REQUIRE(curly.items.size() == 1);
  CHECK(curly.items[0].title == "The “people’s” budget");
  CHECK(curly.bozo);
  const ParsedFeed doctype = ParseFixture("rss20-xhtml-doctype.rss");
  REQUIRE(doctype.items.size() == 1);
  CHECK(doctype.items[0].title == "Read anyway");
  // A web page under the same DOCTYPE is still a page.
  Context context;
  auto page = ParseFeed(
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>P</title></head><body/></html>",
      context);
  REQUIRE_FALSE(page.ok());
  CHECK(page.error().message == "not a feed: HTML page");
}

TEST_CASE("13: impossible dates give no date, never invented parts", "[parity][dates]") {
  const ParsedFeed feed = ParseFixture("dates-invalid-parts.rss");
  REQUIRE(feed.items.size() == 8);
  for (const Item& item : feed.items) {
    INFO(item.title);
    CHECK(item.date_is_first_seen);
    CHECK(item.published == kNow);
  }
}

TEST_CASE("14: RSS 1.0 items: rdf:about is the guid, dc:identifier where it is missing", "[parity][rss10]") {
  const ParsedFeed feed = ParseFixture("rss10-about-and-identifier.xml");
  REQUIRE(feed.items.size() == 2);
  CHECK(feed.items[0].guid == "https://www.example.org/item/1");
  CHECK(feed.items[1].guid == "hdl:1234/2");
}
