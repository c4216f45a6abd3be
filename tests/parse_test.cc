#include "daemon/parse/parse.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using redwire::Item;
using redwire::ParsedFeed;
using redwire::UnixTime;
using redwire::parse::CanonicalUrl;
using redwire::parse::Context;
using redwire::parse::HtmlToText;
using redwire::parse::ParseDate;
using redwire::parse::ParseFeed;
using redwire::parse::ResolveUrl;
using redwire::parse::SanitizeHtml;

constexpr UnixTime kNow = 1741600800;  // 2025-03-10T10:00:00Z

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(REDWIRE_FIXTURES) + "/parse/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Context MakeContext(std::string base_url) {
  Context c;
  c.source_id = "test-source";
  c.base_url = std::move(base_url);
  c.content_type = "application/xml";
  c.now = kNow;
  return c;
}

ParsedFeed ParseOk(std::string_view body, const Context& context) {
  auto result = ParseFeed(body, context);
  INFO((result.ok() ? std::string() : result.error().message));
  REQUIRE(result.ok());
  return std::move(result).value();
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Valid UTF-8 without the characters XML 1.0 forbids.
bool IsValidXmlText(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (c == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        static_cast<unsigned char>(s[i + 2]) >= 0xBE) {
      return false;  // U+FFFE, U+FFFF
    }
    i += len;
  }
  return true;
}

void CheckAllTextValid(const Item& item) {
  for (const std::string* field :
       {&item.id, &item.guid, &item.title, &item.link, &item.canonical_link, &item.author,
        &item.summary, &item.content, &item.summary_text, &item.content_text, &item.language}) {
    INFO(*field);
    CHECK(IsValidXmlText(*field));
  }
  for (const std::string& c : item.categories) CHECK(IsValidXmlText(c));
}

std::string RssWithItems(const std::string& items) {
  return "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>"
         "<link>https://example.org/</link>" +
         items + "</channel></rss>";
}

}  // namespace

TEST_CASE("RSS 2.0 party feed: fields, relative links, content and enclosure", "[rss]") {
  const ParsedFeed feed = ParseOk(ReadFixture("kke-international.rss"),
                                  MakeContext("https://inter.kke.gr/en/rss.xml"));
  CHECK_FALSE(feed.bozo);
  CHECK(feed.meta.title == "KKE International — News");
  CHECK(feed.meta.link == "https://inter.kke.gr/en/");
  CHECK(feed.meta.id == "https://inter.kke.gr/en/");
  CHECK(feed.meta.language == "en");
  CHECK(feed.meta.updated == 1741586400);  // Mon, 10 Mar 2025 08:00:00 +0200
  REQUIRE(feed.items.size() == 3);

  const Item& women = feed.items[0];
  CHECK(women.source_id == "test-source");
  CHECK(women.guid == "inter.kke.gr-article-9121");
  CHECK(women.id == "inter.kke.gr-article-9121");
  CHECK(women.title == "Statement of the KKE on International Women's Day");
  CHECK(women.link ==
        "https://inter.kke.gr/en/articles/Statement-of-the-KKE-on-International-Womens-Day/");
  CHECK(women.canonical_link == women.link);
  CHECK(women.published == 1741417200);
  CHECK(women.updated == 1741417200);
  CHECK_FALSE(women.date_is_first_seen);
  CHECK(women.author == "Press Office of the CC of the KKE");
  CHECK(women.categories == std::vector<std::string>{"Statements", "Women"});
  CHECK(women.language == "en");
  CHECK(women.summary ==
        "<p>On the occasion of <b>8 March</b>, the KKE salutes the working women.</p>");
  CHECK(women.summary_text == "On the occasion of 8 March, the KKE salutes the working women.");
  CHECK(Contains(women.content,
                 "<img src=\"https://inter.kke.gr/images/8march.jpg\" alt=\"March 8 rally\">"));
  CHECK(Contains(women.content,
                 "<a href=\"https://inter.kke.gr/en/documents/women-2025.pdf\">full text</a>"));
  CHECK_FALSE(Contains(women.content, "onerror"));
  CHECK_FALSE(Contains(women.content, "style"));
  CHECK_FALSE(Contains(women.content, "script"));
  CHECK_FALSE(Contains(women.content, "track("));
  CHECK(Contains(women.content_text, "the KKE salutes the working women who struggle"));
  CHECK_FALSE(Contains(women.content_text, "track"));
  REQUIRE(women.enclosures.size() == 1);
  CHECK(women.enclosures[0].url == "https://inter.kke.gr/media/8march-speech.mp3");
  CHECK(women.enclosures[0].type == "audio/mpeg");
  CHECK(women.enclosures[0].length == 4718592);

  const Item& imcwp = feed.items[1];
  CHECK(imcwp.link ==
        "https://inter.kke.gr/en/articles/IMCWP-2025/?utm_source=rss&utm_medium=feed");
  CHECK(imcwp.canonical_link == "https://inter.kke.gr/en/articles/IMCWP-2025/");
  CHECK(imcwp.categories == std::vector<std::string>{"IMCWP"});
  CHECK(imcwp.author == "International Relations Section of the CC of the KKE");
  CHECK(imcwp.summary == "A delegation of the KKE took part in the meeting &amp; addressed its sessions.");
  CHECK(imcwp.summary_text == "A delegation of the KKE took part in the meeting & addressed its sessions.");
  CHECK(imcwp.content.empty());
  CHECK(imcwp.published == 1741275000);

  CHECK(feed.items[2].published == 1741003200);
  CHECK(feed.items[2].author.empty());
  for (const Item& item : feed.items) CheckAllTextValid(item);
}

TEST_CASE("Atom feed: xml:base, text constructs, inherited author", "[atom]") {
  const ParsedFeed feed =
      ParseOk(ReadFixture("pcp-notas.atom"), MakeContext("https://www.pcp.pt/notas.atom"));
  CHECK_FALSE(feed.bozo);
  CHECK(feed.meta.title == "PCP Notas de imprensa");
  CHECK(feed.meta.link == "https://www.pcp.pt/notas");
  CHECK(feed.meta.id == "tag:pcp.pt,2025:notas");
  CHECK(feed.meta.language == "pt");
  CHECK(feed.meta.updated == 1741262400);
  REQUIRE(feed.items.size() == 2);

  const Item& nota = feed.items[0];
  CHECK(nota.title == "Solidariedade com Cuba & Venezuela");
  CHECK(nota.id == "tag:pcp.pt,2025:nota-201");
  CHECK(nota.link == "https://www.pcp.pt/nota/solidariedade-cuba-venezuela#topo");
  CHECK(nota.canonical_link == "https://www.pcp.pt/nota/solidariedade-cuba-venezuela");
  CHECK(nota.published == 1741086000);
  CHECK(nota.updated == 1741163400);
  CHECK(nota.author == "Comissão Política do CC do PCP");
  CHECK(nota.categories == std::vector<std::string>{"Internacional", "cuba"});
  CHECK(nota.language == "pt");
  CHECK(nota.summary ==
        "<p>O PCP reafirma a sua <a href=\"https://www.pcp.pt/temas/cuba\">solidariedade</a> "
        "com o povo cubano.</p>");
  CHECK(Contains(nota.content, "<p>O PCP <strong>condena</strong> o bloqueio.</p>"));
  CHECK(Contains(nota.content,
                 "<a href=\"https://www.pcp.pt/docs/declaracao.html\">Declaração</a> &amp; "
                 "<img src=\"https://www.pcp.pt/img/cartaz.png\" alt=\"Cartaz\">"));
  CHECK_FALSE(Contains(nota.content, "xmlns"));
  CHECK(nota.content_text == "O PCP condena o bloqueio.\nDeclaração &");
  REQUIRE(nota.enclosures.size() == 1);
  CHECK(nota.enclosures[0].url == "https://www.pcp.pt/docs/nota-201.pdf");
  CHECK(nota.enclosures[0].type == "application/pdf");
  CHECK(nota.enclosures[0].length == 182044);

  const Item& avante = feed.items[1];
  CHECK(avante.link == "https://www.avante.pt/pt/2650/editorial/trabalhadores-em-luta");
  CHECK(avante.author == "Gabinete de Imprensa do PCP");
  // Only <updated>: published falls back to it.
  CHECK(avante.published == 1741262400);
  CHECK(avante.updated == 1741262400);
  CHECK_FALSE(avante.date_is_first_seen);
  // A type="text" summary is text: the tag is shown, never interpreted.
  CHECK(Contains(avante.summary, "trabalhadores &lt;script&gt; nos locais"));
  CHECK(Contains(avante.summary_text, "trabalhadores <script> nos locais"));
  for (const Item& item : feed.items) CheckAllTextValid(item);
}

TEST_CASE("Greek item: UTF-8 text and a Greek date survive", "[rss][utf8]") {
  const ParsedFeed feed =
      ParseOk(ReadFixture("kke-greek.rss"), MakeContext("https://www.kke.gr/rss/"));
  CHECK(feed.meta.title == "ΚΚΕ — Ειδήσεις");
  CHECK(feed.meta.language == "el");
  REQUIRE(feed.items.size() == 1);
  const Item& item = feed.items[0];
  CHECK(item.title == "Αλληλεγγύη στον λαό της Κούβας ενάντια στον αποκλεισμό");
  CHECK(item.author == "Γραφείο Τύπου της ΚΕ του ΚΚΕ");
  CHECK(item.categories == std::vector<std::string>{"Διεθνή"});
  CHECK(item.published == 1741090800);
  CHECK(item.summary ==
        "<p>Το ΚΚΕ εκφράζει την αλληλεγγύη του στον κουβανικό λαό — «όχι» στον αποκλεισμό.</p>");
  CHECK(item.summary_text ==
        "Το ΚΚΕ εκφράζει την αλληλεγγύη του στον κουβανικό λαό — «όχι» στον αποκλεισμό.");
  CHECK(item.language == "el");
  CHECK(item.id == "https://www.kke.gr/article/Allileggyi-ston-lao-tis-Kouvas/");
  CheckAllTextValid(item);
}

TEST_CASE("ill-formed RSS: junk, HTML entities, bare ampersands, controls", "[rss][bozo]") {
  const ParsedFeed feed =
      ParseOk(ReadFixture("pce-illformed.rss"), MakeContext("https://www.pce.es/feed/"));
  // Repaired, so every item is kept, but reported (issue 3 point 4).
  CHECK(feed.bozo);
  CHECK(Contains(feed.bozo_reason, "undefined entity &"));
  CHECK(Contains(feed.bozo_reason, "unescaped &"));
  CHECK(Contains(feed.bozo_reason, "invalid control characters"));
  CHECK(Contains(feed.bozo_reason, "junk before the XML document"));
  CHECK(feed.meta.title == "Partido Comunista de España — Noticias");
  REQUIRE(feed.items.size() == 1);
  const Item& item = feed.items[0];
  CHECK(item.title == "Solidaridad con Cuba & Venezuela «sin injerencias» AT&T");
  CHECK(item.link == "https://www.pce.es/solidaridad-cuba?id=7&page=2");
  CHECK(item.id == "https://www.pce.es/solidaridad-cuba?id=7&page=2");
  CHECK(item.summary_text == "El PCE éxige el fin del bloqueo — ’ya’. Bell and gone. R&D &unknown;");
  CHECK(item.published == 1741165200);
  CheckAllTextValid(item);
}

TEST_CASE("truncated documents keep the complete items and set bozo", "[rss][bozo]") {
  const std::string full = ReadFixture("truncated.rss");
  const Context context = MakeContext("https://www.pcf.fr/feed");

  SECTION("cut inside the third item") {
    const ParsedFeed feed = ParseOk(full, context);
    CHECK(feed.bozo);
    CHECK(feed.bozo_reason.rfind("xml: ", 0) == 0);
    CHECK(Contains(feed.bozo_reason, " at offset "));
    REQUIRE(feed.items.size() == 2);
    CHECK(feed.items[0].title == "Le PCF appelle à la mobilisation");
    CHECK(feed.items[0].published == 1741078800);
    CHECK(feed.items[1].title == "Solidarité avec Cuba");
  }
  SECTION("cut right after an item's end tag keeps that item") {
    const std::size_t second_end = full.find("</item>", full.find("</item>") + 1);
    const ParsedFeed feed = ParseOk(full.substr(0, second_end + 7), context);
    CHECK(feed.bozo);
    CHECK(feed.items.size() == 2);
  }
  SECTION("cut inside the second item's end tag drops it") {
    const std::size_t second_end = full.find("</item>", full.find("</item>") + 1);
    const ParsedFeed feed = ParseOk(full.substr(0, second_end + 4), context);
    CHECK(feed.bozo);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Le PCF appelle à la mobilisation");
  }
}

TEST_CASE("bodies that are not feeds are errors with a reason", "[errors]") {
  const Context context = MakeContext("https://www.communist-party.org.uk/");
  auto html = ParseFeed(ReadFixture("party-homepage.html"), context);
  REQUIRE_FALSE(html.ok());
  CHECK(html.error().message == "not a feed: HTML page");

  auto bare_html = ParseFeed("<html><body><p>Hi</p></body></html>", context);
  REQUIRE_FALSE(bare_html.ok());
  CHECK(bare_html.error().message == "not a feed: HTML page");

  auto empty = ParseFeed("", context);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message == "empty body");
  auto blank = ParseFeed(" \r\n\t ", context);
  REQUIRE_FALSE(blank.ok());
  CHECK(blank.error().message == "empty body");

  auto text = ParseFeed("Service Unavailable", context);
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().message.rfind("not a feed: ", 0) == 0);

  auto other = ParseFeed("<?xml version=\"1.0\"?><opml version=\"2.0\"/>", context);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().message == "not a feed: root element <opml>");

  auto broken = ParseFeed("<<<>>>", context);
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.rfind("not a feed: xml: ", 0) == 0);
}

TEST_CASE("item ids: guid, else canonical link, else a stable hash, first wins", "[ids]") {
  const Context context = MakeContext("https://example.org/feed");
  SECTION("an item repeated word for word is one item, under its guid") {
    const ParsedFeed feed = ParseOk(
        RssWithItems("<item><title>First</title><guid>g-1</guid></item>"
                     "<item><title>First</title><guid>g-1</guid></item>"
                     "<item><title>Third</title><guid>g-2</guid></item>"),
        context);
    REQUIRE(feed.items.size() == 2);
    CHECK(feed.items[0].id == "g-1");
    CHECK(feed.items[1].id == "g-2");
  }
  SECTION("different items under one guid are kept apart") {
    const ParsedFeed feed = ParseOk(
        RssWithItems("<item><title>First</title><guid>g-1</guid></item>"
                     "<item><title>Second</title><guid>g-1</guid></item>"
                     "<item><title>Third</title><guid>g-2</guid></item>"),
        context);
    REQUIRE(feed.items.size() == 3);
    CHECK(feed.items[0].title == "First");
    CHECK(feed.items[1].title == "Second");
    CHECK(feed.items[0].id.rfind("hash:", 0) == 0);
    CHECK(feed.items[0].id != feed.items[1].id);
    CHECK(feed.items[0].guid == "g-1");  // the guid itself is kept as given
    CHECK(feed.items[2].id == "g-2");    // an id no other item shares is unchanged
  }
  SECTION("no guid: the canonical link") {
    const ParsedFeed feed = ParseOk(
        RssWithItems("<item><title>A</title><link>HTTPS://Example.ORG/a?fbclid=x#c</link></item>"),
        context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].guid.empty());
    CHECK(feed.items[0].id == "https://example.org/a");
  }
  SECTION("guid that is a permalink supplies a missing link") {
    const ParsedFeed feed =
        ParseOk(RssWithItems("<item><title>A</title><guid>https://example.org/p/1</guid></item>"),
                context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].link == "https://example.org/p/1");
  }
  SECTION("neither: a hash of title, date and summary, stable across parses") {
    const std::string body = RssWithItems(
        "<item><title>No link</title><description>Words</description></item>"
        "<item><title>Other</title><description>Words</description></item>");
    const ParsedFeed a = ParseOk(body, context);
    Context later = context;
    later.now += 3600;
    const ParsedFeed b = ParseOk(body, later);
    REQUIRE(a.items.size() == 2);
    REQUIRE(b.items.size() == 2);
    CHECK(a.items[0].id.rfind("hash:", 0) == 0);
    CHECK(a.items[0].id.size() == 5 + 16);
    CHECK(a.items[0].id == b.items[0].id);
    CHECK(a.items[0].id != a.items[1].id);
  }
  SECTION("javascript: item links are not published") {
    const ParsedFeed feed = ParseOk(
        RssWithItems("<item><title>A</title><link>javascript:alert(1)</link></item>"), context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].link.empty());
  }
}

TEST_CASE("item dates: fallbacks, first-seen, future clamp", "[dates]") {
  const Context context = MakeContext("https://example.org/feed");
  const ParsedFeed feed = ParseOk(
      RssWithItems("<item><guid>none</guid></item>"
                   "<item><guid>bogus</guid><pubDate>32 Foo 2024</pubDate></item>"
                   "<item><guid>epoch</guid><pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate></item>"
                   "<item><guid>future</guid><pubDate>Fri, 01 Jan 2099 00:00:00 GMT</pubDate></item>"
                   "<item><guid>tomorrow</guid><pubDate>Tue, 11 Mar 2025 09:00:00 GMT</pubDate></item>"
                   "<item><guid>dc</guid><dc:date>2025-03-05T08:30:00+01:00</dc:date></item>"),
      context);
  REQUIRE(feed.items.size() == 6);
  for (int i = 0; i < 4; ++i) {
    INFO(feed.items[i].id);
    CHECK(feed.items[i].published == kNow);
    CHECK(feed.items[i].updated == kNow);
    CHECK(feed.items[i].date_is_first_seen);
  }
  CHECK(feed.items[4].published == kNow + 23 * 3600);  // within a day: kept
  CHECK_FALSE(feed.items[4].date_is_first_seen);
  CHECK(feed.items[5].published == 1741159800);  // undeclared dc: prefix tolerated
}

TEST_CASE("ParseDate reads real-world RFC 822 and RFC 3339 dates", "[dates]") {
  const std::pair<const char*, UnixTime> cases[] = {
      {"Sat, 08 Mar 2025 09:00:00 +0200", 1741417200},
      {"Mon, 03 Mar 2025 12:00:00 GMT", 1741003200},
      {"3 Mar 2025 12:00:00 UT", 1741003200},
      {"Mon, 3 Mar 25 12:00:00 GMT", 1741003200},
      {"Mon, 03 Mar 2025 12:00 EST", 1741021200},
      {"Mon,  03  Mar  2025  12:00:00   PDT", 1741028400},
      {"Monday, 03 March 2025 12:00:00 CEST", 1740996000},
      {"Mon, 03 Mar 2025 12:00:00 +05:30", 1740983400},
      {"Mon, 03 Mar 2025 12:00:00 -0330", 1741015800},
      {"Mon 03 Mar 2025 12:00:00 MSK", 1740992400},
      {"Tue, 04 Mar 2025 14:20:00 EEST", 1741087200},
      {"Tue, 04 Mar 2025 14:20:00 EET", 1741090800},
      {"Tue, 04 Mar 2025 14:20:00 BST", 1741094400},
      {"Tue, 04 Mar 2025 14:20:00 CDT", 1741116000},
      {"Tue, 04 Mar 2025 14:20:00 MDT", 1741119600},
      {"Tue, 04 Mar 2025 14:20:00 UTC", 1741098000},
      {"Tue, 04 Mar 2025 14:20:00 Z", 1741098000},
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Τρί, 04 Μαρ 2025 14:20:00 +0200", 1741090800},
      {"Wed, 5 Mar 2025 10:00 CET", 1741165200},
      {"Mar 5, 2025 10:00 PM", 1741212000},
      {"Thu, 29 Feb 2024 12:00:00 GMT", 1709208000},
      {"Wed, 05 Mar 2025 10:00:00 +0000 (UTC)", 1741168800},
      {"Wed, 05 Mar 2025 10:00:00 GMT+2", 1741161600},
      {"Wed, 05 Mar 2025 10:00:00+0100", 1741165200},
      {"2025-03-04T11:00:00Z", 1741086000},
      {"2025-03-04T11:00:00+00:00", 1741086000},
      {"2025-03-05T09:30:00.250+01:00", 1741163400},
      {"2025-03-05t09:30:00z", 1741167000},
      {"2025-03-05", 1741132800},
      {"2025-03-05 09:30:00", 1741167000},
      {"2025-03-05T10:00:00+0100", 1741165200},
      {"2025-03-05T10:00-05:00", 1741186800},
      {"1985-04-12T23:20:50.52Z", 482196050},
      {"1996-12-19T16:39:57-08:00", 851042397},
      {"1999-12-31T23:59:59Z", 946684799},
      {"  2025-03-05T10:00:00Z \n", 1741168800},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    const auto parsed = ParseDate(text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == expected);
  }
}

TEST_CASE("ParseDate rejects impossible and unusable dates", "[dates]") {
  const char* rejects[] = {
      "",
      "   ",
      "32 Foo 2024",
      "0000-00-00",
      "0000-01-01T00:00:00Z",
      "Mon, 30 Feb 2024 10:00:00 GMT",
      "Thu, 29 Feb 2023 12:00:00 GMT",
      "2023-02-29",
      "2025-13-01",
      "2025-00-10",
      "Mon, 03 Foo 2025 12:00:00 GMT",
      "Sat, 08 Mar 0000 10:00:00 GMT",
      "Sat, 32 Mar 2025 10:00:00 GMT",
      "2025-03-05T25:00:00Z",
      "2025-03-05T10:61:00Z",
      "2025-03-05T10:00:00Zjunk",
      "2025-03-05T10:00:00+25:00",
      "yesterday",
      "12345",
      "Mon, 03 Mar 2025 25:00:00 GMT",
  };
  for (const char* text : rejects) {
    INFO(text);
    CHECK_FALSE(ParseDate(text).has_value());
  }
}

TEST_CASE("ResolveUrl follows RFC 3986 section 5.4", "[url]") {
  const std::string base = "http://a/b/c/d;p?q";
  const std::pair<const char*, const char*> cases[] = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
  };
  for (const auto& [ref, expected] : cases) {
    INFO(ref);
    CHECK(ResolveUrl(base, ref) == expected);
  }
  CHECK(ResolveUrl("https://www.pcp.pt", "nota") == "https://www.pcp.pt/nota");
  CHECK(ResolveUrl("https://inter.kke.gr/en/", "//cdn.kke.gr/x.jpg") == "https://cdn.kke.gr/x.jpg");
  CHECK(ResolveUrl("https://inter.kke.gr/en/", "  /en/a\n/b  ") == "https://inter.kke.gr/en/a/b");
  CHECK(ResolveUrl("https://inter.kke.gr/en/", "https://other.org/x/../y") == "https://other.org/y");
  CHECK(ResolveUrl("", "relative/x") == "relative/x");
}

TEST_CASE("CanonicalUrl lower-cases, strips tracking and defaults", "[url]") {
  const std::pair<const char*, const char*> cases[] = {
      {"HTTPS://Inter.KKE.gr:443/en/articles/x/?utm_source=rss&id=5&fbclid=abc#top",
       "https://inter.kke.gr/en/articles/x/?id=5"},
      {"http://www.pcp.pt:80", "http://www.pcp.pt/"},
      {"http://example.org:8080/a/../b?gclid=1", "http://example.org:8080/b"},
      {"https://example.org/a%2fb?q=%c3%a9", "https://example.org/a%2Fb?q=%C3%A9"},
      {"https://user@Example.ORG./x?utm_campaign=a&UTM_MEDIUM=b", "https://user@example.org/x"},
      {"http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x"},
      {"https://example.org/Path/Keeps/Case?B=2&a=1", "https://example.org/Path/Keeps/Case?B=2&a=1"},
      {"https://example.org/?a=1&&b=2&", "https://example.org/?a=1&b=2"},
  };
  for (const auto& [url, expected] : cases) {
    INFO(url);
    CHECK(CanonicalUrl(url) == expected);
  }
  for (const char* not_url : {"not a url", "mailto:x@pcp.pt", "/relative/path", ""}) {
    CHECK(CanonicalUrl(not_url) == not_url);
  }
}

TEST_CASE("SanitizeHtml removes active content (RELIABILITY rows 33-35)", "[sanitize]") {
  const std::string base = "https://www.pcp.pt/nota/1";
  const std::pair<const char*, const char*> cases[] = {
      {"<p>Hello <script>alert(1)</script>world</p>", "<p>Hello world</p>"},
      {"<style>p{color:red}</style><p>x</p>", "<p>x</p>"},
      {"<img src=\"x.png\" onerror=\"alert(1)\">", "<img src=\"https://www.pcp.pt/nota/x.png\">"},
      {"<body onload=\"alert(1)\"><p onclick=\"x()\">a</p>", "<p>a</p>"},
      {"<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\" JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"java&#0;script:alert(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"vbscript:msgbox(1)\">x</a>", "<a>x</a>"},
      {"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>", "<a>x</a>"},
      {"<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">", "<img>"},
      {"<p style=\"background:url(javascript:alert(1))\">x</p>", "<p>x</p>"},
      {"<div style=\"width: expression(alert(1))\">x</div>", "<div>x</div>"},
      {"<svg><script>alert(1)</script><a href=\"https://x.org\">y</a></svg>z", "z"},
      {"<math><mi xlink:href=\"javascript:alert(1)\">m</mi></math>z", "z"},
      {"<iframe src=\"https://evil.example\" srcdoc=\"<script>x</script>\"></iframe>ok", "ok"},
      {"<object data=\"x.swf\">fallback</object><embed src=\"x.swf\">ok", "ok"},
      {"<form action=\"/x\"><input name=\"a\"><button formaction=\"javascript:x\">b</button></form>ok",
       "ok"},
      {"<meta http-equiv=\"refresh\" content=\"0;url=https://evil\"><base href=\"https://evil/\">ok",
       "ok"},
      {"<noscript><img src=x></noscript><template><p>t</p></template>ok", "ok"},
      {"<a href=\"mailto:imprensa@pcp.pt\" title='Say \"hi\"'>m</a>",
       "<a href=\"mailto:imprensa@pcp.pt\" title=\"Say &quot;hi&quot;\">m</a>"},
      {"<a href=\"/temas/cuba\" target=\"_blank\" rel=\"x\">c</a>",
       "<a href=\"https://www.pcp.pt/temas/cuba\">c</a>"},
      {"<font color=\"red\"><center>Hi</center></font>", "Hi"},
      {"1 < 2 &amp; 3 &gt; 2", "1 &lt; 2 &amp; 3 &gt; 2"},
      {"<table><tr><td colspan=\"2\" onclick=\"x\" width=\"9\">c</td></tr></table>",
       "<table><tbody><tr><td colspan=\"2\">c</td></tr></tbody></table>"},
      {"<blockquote cite=\"javascript:x\">q</blockquote>", "<blockquote>q</blockquote>"},
      {"<abbr title=\"Partido Comunista Português\">PCP</abbr>",
       "<abbr title=\"Partido Comunista Português\">PCP</abbr>"},
      {"<p>a<br>b<hr></p>", "<p>a<br>b</p><hr><p></p>"},
  };
  for (const auto& [html, expected] : cases) {
    INFO(html);
    CHECK(SanitizeHtml(html, base) == expected);
  }
  CHECK(SanitizeHtml("<a href=\"a/b\">r</a>", "") == "<a href=\"a/b\">r</a>");
}

TEST_CASE("SanitizeHtml and HtmlToText survive 100 000 nested elements", "[sanitize]") {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "bottom";
  const auto start = std::chrono::steady_clock::now();
  const std::string clean = SanitizeHtml(deep, "https://example.org/");
  const std::string text = HtmlToText(deep);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(Contains(clean, "bottom"));
  CHECK(clean.rfind("<div><div>", 0) == 0);
  CHECK(text == "bottom");
  CHECK(elapsed < std::chrono::seconds(5));
}

TEST_CASE("HtmlToText: blocks, entities, collapsed whitespace", "[text]") {
  CHECK(HtmlToText("<p>Hello&nbsp;<b>world</b></p><p>Second   para</p>") ==
        "Hello world\nSecond para");
  CHECK(HtmlToText("<script>var x;</script><style>p{}</style>Only this") == "Only this");
  CHECK(HtmlToText("1 &lt; 2 &amp;&amp; 3 &eacute;t&eacute;") == "1 < 2 && 3 été");
  CHECK(HtmlToText("<ul><li>one</li><li>two</li></ul>tail") == "one\ntwo\ntail");
  CHECK(HtmlToText("  a\n\n  b\t c ") == "a b c");
  CHECK(HtmlToText("").empty());
}

TEST_CASE("caps: items, title, summary, content, invalid UTF-8 replaced", "[caps]") {
  const Context context = MakeContext("https://example.org/feed");
  SECTION("at most 500 items") {
    std::string items;
    for (int i = 0; i < 600; ++i) items += "<item><guid>g" + std::to_string(i) + "</guid></item>";
    const ParsedFeed feed = ParseOk(RssWithItems(items), context);
    REQUIRE(feed.items.size() == 500);
    CHECK(feed.items.back().id == "g499");
  }
  SECTION("long fields are cut at UTF-8 boundaries and stay well-formed") {
    std::string title;
    for (int i = 0; i < 3000; ++i) title += "é";
    std::string summary;
    for (int i = 0; i < 10000; ++i) summary += "&lt;p&gt;Κομμουνιστικό κόμμα &lt;/p&gt;";
    std::string content = "<![CDATA[";
    for (int i = 0; i < 60000; ++i) content += "<p><b>workers</b></p>";
    content += "]]>";
    const ParsedFeed feed = ParseOk(
        RssWithItems("<item><guid>long</guid><title>" + title + "</title><description>" +
                     summary + "</description><content:encoded>" + content +
                     "</content:encoded></item>"),
        context);
    REQUIRE(feed.items.size() == 1);
    const Item& item = feed.items[0];
    CHECK(item.title.size() == 1024);
    CHECK(item.summary.size() <= 64 * 1024);
    CHECK(item.summary.size() > 60 * 1024);
    CHECK(item.summary.substr(item.summary.size() - 4) == "</p>");
    CHECK(item.content.size() <= 512 * 1024);
    CHECK(item.content.size() > 500 * 1024);
    CHECK(item.content.substr(item.content.size() - 4) == "</p>");
    CheckAllTextValid(item);
  }
  SECTION("invalid UTF-8 and control characters") {
    const ParsedFeed feed = ParseOk(
        // A UTF-8 feed with a few broken bytes in one title stays UTF-8.
        RssWithItems("<item><guid>ok</guid><title>Κομμουνιστικό Κόμμα Ελλάδας</title></item>"
                     "<item><guid>bad</guid><title>a\xff\xfe b\xc3 c\x01\x0b d&#x1;e&#xFFFE;</title>"
                     "<description>x\x1fy</description></item>"),
        context);
    REQUIRE(feed.items.size() == 2);
    CHECK(feed.encoding == "utf-8");
    CHECK(feed.items[1].title == "a\xEF\xBF\xBD\xEF\xBF\xBD b\xEF\xBF\xBD c de");
    CHECK(feed.items[1].summary_text == "xy");
    CheckAllTextValid(feed.items[1]);
  }
}

TEST_CASE("other shapes: RSS 1.0, prefixed and namespace-less Atom, CDATA", "[formats]") {
  const Context context = MakeContext("https://example.org/feed");
  SECTION("RSS 1.0 / RDF puts items beside the channel") {
    const ParsedFeed feed = ParseOk(
        "<?xml version=\"1.0\"?>"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\""
        " xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<channel rdf:about=\"https://www.pcf.fr/\"><title>PCF</title><link>https://www.pcf.fr/</link>"
        "<dc:language>fr</dc:language></channel>"
        "<item rdf:about=\"https://www.pcf.fr/a\"><title>A</title><link>https://www.pcf.fr/a</link>"
        "<dc:date>2025-03-04T11:00:00Z</dc:date><dc:creator>PCF</dc:creator></item>"
        "</rdf:RDF>",
        context);
    CHECK(feed.meta.title == "PCF");
    CHECK(feed.meta.language == "fr");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].link == "https://www.pcf.fr/a");
    CHECK(feed.items[0].published == 1741086000);
    CHECK(feed.items[0].author == "PCF");
    CHECK(feed.items[0].language == "fr");
  }
  SECTION("Atom with an odd prefix is matched by namespace") {
    const ParsedFeed feed = ParseOk(
        "<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:title>P</a:title>"
        "<a:entry><a:id>e1</a:id><a:title>Entry</a:title>"
        "<a:link href=\"https://example.org/e1\"/></a:entry></a:feed>",
        context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Entry");
    CHECK(feed.items[0].link == "https://example.org/e1");
  }
  SECTION("Atom that forgot its namespace") {
    const ParsedFeed feed =
        ParseOk("<feed><entry><id>e1</id><title>T</title></entry></feed>", context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].id == "e1");
  }
  SECTION("atom:link inside RSS is not the item link") {
    const ParsedFeed feed = ParseOk(
        "<rss xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>"
        "<atom:link rel=\"self\" href=\"https://example.org/self\"/>"
        "<link>https://example.org/site</link>"
        "<item><atom:link href=\"https://example.org/wrong\"/><link>https://example.org/right</link>"
        "<title><![CDATA[Fish & Chips &nbsp; <b>bold</b>]]></title></item></channel></rss>",
        context);
    CHECK(feed.meta.link == "https://example.org/site");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].link == "https://example.org/right");
    CHECK(feed.items[0].title == "Fish & Chips bold");
  }
  SECTION("entity expansion in a DOCTYPE is not performed") {
    const ParsedFeed feed = ParseOk(
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
        "<rss><channel><item><guid>x</guid><title>&b;</title></item></channel></rss>",
        context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "&b;");
  }
  SECTION("200 000 nested XML elements do not crash") {
    std::string deep = "<rss><channel><item><guid>d</guid><description>";
    for (int i = 0; i < 200000; ++i) deep += "<a>";
    const ParsedFeed feed = ParseOk(deep, context);
    CHECK(feed.bozo);
    CHECK(feed.items.empty());  // the only item never closed
  }
  SECTION("raw markup inside an RSS description is kept as HTML") {
    const ParsedFeed feed = ParseOk(
        RssWithItems("<item><guid>r</guid><link>https://example.org/r/</link>"
                     "<description><p>Raw <b>html</b><br/> <img src=\"i.png\"/></p></description></item>"),
        context);
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].summary ==
          "<p>Raw <b>html</b><br> <img src=\"https://example.org/r/i.png\"></p>");
  }
}

TEST_CASE("charsets: BOM, then HTTP charset, then XML declaration", "[charset]") {
  SECTION("ISO-8859-7 declared in the XML declaration") {
    const ParsedFeed feed = ParseOk(ReadFixture("rizospastis-iso-8859-7.rss"),
                                    MakeContext("https://www.rizospastis.gr/rss"));
    CHECK(feed.meta.title == "Ριζοσπάστης - Πολιτική");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Απεργία στα λιμάνια: «Όχι» στην ιδιωτικοποίηση");
    CHECK(feed.items[0].summary_text == "Οι λιμενεργάτες απεργούν & διαδηλώνουν.");
    CHECK(feed.items[0].published == 1741090800);
  }
  SECTION("the HTTP charset overrides a wrong declaration") {
    Context context = MakeContext("https://kprf.ru/rss");
    context.content_type = "application/rss+xml; charset=\"windows-1251\"";
    const ParsedFeed feed = ParseOk(ReadFixture("kprf-windows-1251.rss"), context);
    CHECK(feed.meta.title == "КПРФ — Новости");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Солидарность с Кубой");
  }
  SECTION("windows-1251 declared as UTF-8 is detected, not mojibake") {
    const ParsedFeed feed =
        ParseOk(ReadFixture("kprf-windows-1251.rss"), MakeContext("https://kprf.ru/rss"));
    CHECK(feed.encoding == "windows-1251");
    CHECK(feed.bozo);
    CHECK(feed.meta.title == "КПРФ — Новости");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Солидарность с Кубой");
    CheckAllTextValid(feed.items[0]);
  }
  SECTION("a UTF-16LE byte order mark beats the HTTP charset") {
    Context context = MakeContext("https://www.pcp.pt/feed");
    context.content_type = "application/atom+xml; charset=iso-8859-1";
    const ParsedFeed feed = ParseOk(ReadFixture("pcp-utf16le.atom"), context);
    CHECK(feed.meta.title == "PCP — Notícias");
    REQUIRE(feed.items.size() == 1);
    CHECK(feed.items[0].title == "Solidariedade à Palestina");
  }
}
