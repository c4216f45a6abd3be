#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <pugixml.hpp>

#include "daemon/publish/publish.h"
#include "util/time.h"

using redwire::Enclosure;
using redwire::publish::FeedInfo;
using redwire::publish::IndexSource;
using redwire::publish::IndexTopic;
using redwire::publish::RenderAtom;
using redwire::publish::FrontTopic;
using redwire::publish::RenderFeedPage;
using redwire::publish::RenderFrontPage;
using redwire::publish::RenderSearchPage;
using redwire::publish::RenderStatusPage;
using redwire::publish::SiteInfo;
using redwire::publish::SourceInfo;
using redwire::store::SourceState;
using redwire::store::StoredItem;

namespace {

constexpr redwire::UnixTime kGenerated = 1709719200;  // 2024-03-06T10:00:00Z

StoredItem Greek() {
  StoredItem s;
  s.row_id = 3;
  s.first_seen = 1709630000;
  s.topics = {"repression"};
  auto& i = s.item;
  i.source_id = "kke-gr";
  i.id = "https://www.kke.gr/article/Diakiryksi-tis-KE-tou-KKE/";
  i.title = "Διακήρυξη της ΚΕ του ΚΚΕ για τα 50 χρόνια από την εξέγερση του Πολυτεχνείου";
  i.link = "https://www.kke.gr/article/Diakiryksi-tis-KE-tou-KKE/";
  i.published = 1709629200;  // 2024-03-05T09:00:00Z
  i.updated = 1709640000;    // 2024-03-05T12:00:00Z
  i.author = "Γραφείο Τύπου της ΚΕ του ΚΚΕ";
  i.summary = "<p>Η <strong>ΚΕ του ΚΚΕ</strong> καλεί σε μαζική συμμετοχή.</p>";
  i.content = "<p>Πλήρες κείμενο της διακήρυξης.</p><p><a href=\"https://www.kke.gr/\">kke.gr</a></p>";
  i.categories = {"Ανακοινώσεις", "Πολυτεχνείο"};
  i.enclosures = {Enclosure{"https://www.kke.gr/uploads/diakiryksi.pdf", "application/pdf", 482113}};
  i.language = "el";
  return s;
}

StoredItem Spanish() {
  StoredItem s;
  s.row_id = 2;
  s.first_seen = 1709540000;
  auto& i = s.item;
  i.source_id = "pce";
  i.id = "pce-2024-0304-cuba";  // a bare guid: not an IRI
  i.title = "El PCE exige el fin del bloqueo a Cuba: «¡Cuba sí, bloqueo no!»";
  i.link = "https://www.pce.es/2024/03/04/el-pce-exige-el-fin-del-bloqueo/";
  i.published = 1709539200;  // 2024-03-04T08:00:00Z
  i.summary = "<p>Solidaridad con el pueblo cubano &amp; su revolución.</p>";
  i.categories = {"Internacional", "Cuba"};
  i.enclosures = {Enclosure{"https://www.pce.es/audio/cuba.mp3", "audio/mpeg", 0}};
  return s;
}

StoredItem Hostile() {
  StoredItem s;
  s.row_id = 1;
  s.first_seen = 1709450000;
  auto& i = s.item;
  i.source_id = "pce";
  i.id = "https://www.pce.es/?p=1234";
  i.title = "Use <b>bold</b> & stay ]]> safe";
  i.link = "https://www.pce.es/?p=1234";
  i.published = 1709449200;  // 2024-03-03T07:00:00Z
  i.summary = "<p>1 &lt; 2 and <em>]]&gt;</em></p>";
  return s;
}

SourceInfo Lookup(const std::string& id) {
  if (id == "kke-gr") {
    return {"kke-gr", "Κομμουνιστικό Κόμμα Ελλάδας", "https://www.kke.gr/rss/", "https://www.kke.gr/"};
  }
  return {id, "Partido Comunista de España", "https://www.pce.es/feed/", ""};
}

FeedInfo Info() {
  return {"urn:redwire:topic:cuba-solidarity", "redwire — Cuba solidarity",
          "http://127.0.0.1:8080/topics/cuba-solidarity.atom", "http://127.0.0.1:8080/", kGenerated};
}

pugi::xml_node LinkWithRel(pugi::xml_node parent, const char* rel) {
  return parent.find_child_by_attribute("link", "rel", rel);
}

}  // namespace

TEST_CASE("RenderAtom writes a parseable Atom 1.0 feed", "[publish]") {
  const std::vector<StoredItem> items = {Greek(), Spanish(), Hostile()};
  const std::string xml = RenderAtom(Info(), items, Lookup);

  REQUIRE(xml.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>", 0) == 0);
  pugi::xml_document doc;
  const auto parsed = doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_declaration);
  REQUIRE(parsed);
  const pugi::xml_node feed = doc.document_element();
  REQUIRE(std::string(feed.name()) == "feed");
  CHECK(std::string(feed.attribute("xmlns").value()) == "http://www.w3.org/2005/Atom");
  CHECK(std::string(feed.child_value("id")) == "urn:redwire:topic:cuba-solidarity");
  CHECK(std::string(feed.child_value("title")) == "redwire — Cuba solidarity");
  // The newest entry's updated time, not generation time.
  CHECK(std::string(feed.child_value("updated")) == "2024-03-05T12:00:00Z");
  const auto self = LinkWithRel(feed, "self");
  CHECK(std::string(self.attribute("href").value()) == "http://127.0.0.1:8080/topics/cuba-solidarity.atom");
  CHECK(std::string(self.attribute("type").value()) == "application/atom+xml");
  CHECK(std::string(LinkWithRel(feed, "alternate").attribute("href").value()) == "http://127.0.0.1:8080/");
  CHECK(std::string(feed.child_value("generator")) == "redwire");

  std::vector<pugi::xml_node> entries;
  for (auto e : feed.children("entry")) entries.push_back(e);
  REQUIRE(entries.size() == 3);

  SECTION("Greek entry with content, categories and an enclosure") {
    const auto e = entries[0];
    CHECK(std::string(e.attribute("xml:lang").value()) == "el");
    CHECK(std::string(e.child_value("id")) == "https://www.kke.gr/article/Diakiryksi-tis-KE-tou-KKE/");
    CHECK(std::string(e.child("title").attribute("type").value()) == "text");
    CHECK(std::string(e.child_value("title")) == Greek().item.title);
    CHECK(std::string(LinkWithRel(e, "alternate").attribute("href").value()) == Greek().item.link);
    CHECK(std::string(e.child_value("published")) == "2024-03-05T09:00:00Z");
    CHECK(std::string(e.child_value("updated")) == "2024-03-05T12:00:00Z");
    CHECK(std::string(e.child("author").child_value("name")) == "Γραφείο Τύπου της ΚΕ του ΚΚΕ");
    CHECK(std::string(e.child("summary").attribute("type").value()) == "html");
    // The HTML survives as escaped text, not as child elements.
    CHECK(std::string(e.child_value("summary")) == Greek().item.summary);
    CHECK_FALSE(e.child("summary").child("p"));
    CHECK(std::string(e.child_value("content")) == Greek().item.content);
    std::vector<std::string> terms;
    for (auto c : e.children("category")) terms.push_back(c.attribute("term").value());
    CHECK(terms == std::vector<std::string>{"Ανακοινώσεις", "Πολυτεχνείο"});
    const auto enc = LinkWithRel(e, "enclosure");
    CHECK(std::string(enc.attribute("href").value()) == "https://www.kke.gr/uploads/diakiryksi.pdf");
    CHECK(std::string(enc.attribute("type").value()) == "application/pdf");
    CHECK(enc.attribute("length").as_llong() == 482113);
    const auto src = e.child("source");
    REQUIRE(src);
    CHECK(std::string(src.child_value("id")) == "https://www.kke.gr/rss/");
    CHECK(std::string(src.child_value("title")) == "Κομμουνιστικό Κόμμα Ελλάδας");
    CHECK(std::string(LinkWithRel(src, "self").attribute("href").value()) == "https://www.kke.gr/rss/");
    CHECK(std::string(LinkWithRel(src, "alternate").attribute("href").value()) == "https://www.kke.gr/");
    CHECK(std::string(src.child_value("updated")) == "2024-03-05T12:00:00Z");
  }

  SECTION("Spanish entry with a non-IRI id, no author and no updated") {
    const auto e = entries[1];
    CHECK(std::string(e.child_value("id")) == "urn:redwire:pce:pce-2024-0304-cuba");
    CHECK(std::string(e.child_value("title")) == Spanish().item.title);
    CHECK(std::string(e.child_value("published")) == "2024-03-04T08:00:00Z");
    CHECK(std::string(e.child_value("updated")) == "2024-03-04T08:00:00Z");
    CHECK(std::string(e.child("author").child_value("name")) == "Partido Comunista de España");
    CHECK_FALSE(e.child("content"));
    CHECK_FALSE(e.attribute("xml:lang"));
    const auto enc = LinkWithRel(e, "enclosure");
    CHECK(std::string(enc.attribute("type").value()) == "audio/mpeg");
    CHECK_FALSE(enc.attribute("length"));  // unknown length is omitted, not 0
    const auto src = e.child("source");
    CHECK(std::string(src.child_value("id")) == "https://www.pce.es/feed/");
    CHECK_FALSE(LinkWithRel(src, "alternate"));
  }

  SECTION("markup and ]]> in a title stay text") {
    const auto e = entries[2];
    CHECK(std::string(e.child_value("title")) == "Use <b>bold</b> & stay ]]> safe");
    CHECK_FALSE(e.child("title").child("b"));
    CHECK(xml.find("Use &lt;b&gt;bold&lt;/b&gt; &amp; stay ]]&gt; safe") != std::string::npos);
    CHECK(std::string(e.child_value("summary")) == "<p>1 &lt; 2 and <em>]]&gt;</em></p>");
    CHECK(std::string(e.child_value("id")) == "https://www.pce.es/?p=1234");
  }
}

TEST_CASE("RenderAtom keeps odd ids and text valid", "[publish]") {
  StoredItem s = Hostile();
  s.item.id = "tag with spaces/ü?";
  s.item.link.clear();
  s.item.title = std::string("bell\x07 and bad byte \xff end");
  const std::string xml = RenderAtom(Info(), {s}, Lookup);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  const auto e = doc.document_element().child("entry");
  CHECK(std::string(e.child_value("id")) == "urn:redwire:pce:tag%20with%20spaces%2F%C3%BC%3F");
  // Control characters are dropped and invalid UTF-8 replaced, so the
  // document stays well-formed XML 1.0.
  CHECK(std::string(e.child_value("title")) == "bell and bad byte \xEF\xBF\xBD end");
  // Without an alternate link, atom:content is required: the summary moves there.
  CHECK_FALSE(LinkWithRel(e, "alternate"));
  CHECK(std::string(e.child_value("content")) == s.item.summary);
  CHECK_FALSE(e.child("summary"));
}

TEST_CASE("An empty feed is still a valid Atom document", "[publish]") {
  const std::string xml = RenderAtom(Info(), {}, Lookup);
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  const auto feed = doc.document_element();
  CHECK(std::string(feed.name()) == "feed");
  CHECK(std::string(feed.child_value("updated")) == "2024-03-06T10:00:00Z");
  CHECK(std::string(feed.child_value("id")) == "urn:redwire:topic:cuba-solidarity");
  CHECK(LinkWithRel(feed, "self"));
  CHECK_FALSE(feed.child("entry"));
}

TEST_CASE("RenderStatusPage tells each source's health in words, escaped", "[publish]") {
  const SiteInfo site{"http://127.0.0.1:8080", {{"cuba-solidarity", "Cuba solidarity"},
                                                {"repression", "Anti-communist repression & \"bans\""}}};
  SourceState failed;
  failed.source_id = "kke-en";
  failed.last_attempt = kGenerated - 600;
  failed.last_success = kGenerated - 3 * 86400;
  failed.last_outcome = "http-error";
  failed.last_error = "HTTP 503 <Service Unavailable>";
  failed.last_status = 503;
  failed.consecutive_failures = 4;
  failed.next_due = kGenerated + 1200;
  SourceState fine;
  fine.source_id = "pce";
  fine.last_attempt = fine.last_success = kGenerated - 60;
  fine.last_outcome = "not-modified";
  fine.last_status = 304;
  fine.items_seen = 20;
  fine.items_new = 2;
  fine.last_error = "warning: 1 refused date (\"12/2/24\" is ambiguous)";
  fine.found_feed = "https://www.pce.es/feed/";
  fine.found_on = "https://www.pce.es/";
  SourceState gone;
  gone.source_id = "old";
  gone.last_attempt = kGenerated - 60;
  gone.last_outcome = "gone";
  gone.gone = true;
  gone.gone_url = "https://old.example/feed";
  gone.next_due = kGenerated + 60;
  std::vector<IndexSource> sources = {
      {"kke-en", "Communist Party of Greece (KKE)", "https://inter.kke.gr/en/", false, failed},
      {"evil", "<script>alert(1)</script>", "javascript:alert('x')", false, std::nullopt},
      {"pce", "PCE", "https://www.pce.es/", false, fine},
      {"ujce", "UJCE", "https://www.ujce.es/", true, std::nullopt},
      {"old", "Old site", "https://old.example/feed", false, gone},
  };
  const std::string html = RenderStatusPage(site, sources, kGenerated);
  const auto card = [&](const std::string& id) {
    const std::size_t code = html.find("<code>" + id + "</code>");
    REQUIRE(code != std::string::npos);
    const std::size_t at = html.rfind("<section class=\"card\">", code);
    return html.substr(at, html.find("</section>", at) - at);
  };

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<title>redwire — source status</title>") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("href=\"javascript:") == std::string::npos);  // shown, never linked
  CHECK(html.find("href=\"https://inter.kke.gr") == std::string::npos);  // no link leaves the site
  CHECK(html.find("Anti-communist repression &amp; &quot;bans&quot;") != std::string::npos);  // navigation
  CHECK(html.find("5 sources: 1 working, 2 failing, 2 not fetched yet.") != std::string::npos);
  CHECK(html.find("<a href=\"http://127.0.0.1:8080/sources/kke-en.html\">Communist Party of Greece (KKE)</a>") !=
        std::string::npos);
  CHECK(html.find("action=\"http://127.0.0.1:8080/search.html\"") != std::string::npos);

  const std::string kke = card("kke-en");
  CHECK(kke.find("<span class=\"failing\">failing</span>") != std::string::npos);
  CHECK(kke.find("the server answered HTTP 503") != std::string::npos);
  CHECK(kke.find("<dt>last error</dt><dd>HTTP 503 &lt;Service Unavailable&gt;</dd>") != std::string::npos);
  CHECK(kke.find("4 in a row") != std::string::npos);
  CHECK(kke.find("datetime=\"" + redwire::util::FormatRfc3339(kGenerated - 3 * 86400) + "\"") != std::string::npos);
  CHECK(kke.find("(3 days ago)") != std::string::npos);
  CHECK(kke.find("<dt>next poll</dt><dd><time datetime=\"" + redwire::util::FormatRfc3339(kGenerated + 1200) + "\">") !=
        std::string::npos);
  CHECK(kke.find("(in 20 min)") != std::string::npos);

  const std::string pce = card("pce");
  CHECK(pce.find("<span class=\"ok\">working</span>") != std::string::npos);
  CHECK(pce.find("unchanged since the last fetch (HTTP 304)") != std::string::npos);
  CHECK(pce.find("20 in the feed, 2 new on the last fetch") != std::string::npos);
  CHECK(pce.find("soon after start-up") != std::string::npos);
  CHECK(pce.find("<dt>warnings</dt><dd>warning: 1 refused date (&quot;12/2/24&quot; is ambiguous)</dd>") !=
        std::string::npos);
  CHECK(pce.find("last error") == std::string::npos);  // no planned poll recorded yet

  CHECK(card("evil").find("not fetched yet") != std::string::npos);
  CHECK(pce.find("<dt>feed found</dt><dd><code>https://www.pce.es/feed/</code></dd>") != std::string::npos);
  CHECK(kke.find("feed found") == std::string::npos);
  CHECK(card("ujce").find("searched for a feed of its own") != std::string::npos);
  const std::string old = card("old");
  CHECK(old.find("<span class=\"failing\">gone</span>") != std::string::npos);
  CHECK(old.find("none until the source&#39;s URL changes") != std::string::npos);
  CHECK(old.find(redwire::util::FormatRfc3339(kGenerated + 60)) == std::string::npos);  // a gone source is not polled
}

namespace {

StoredItem Item(const std::string& source, const std::string& title, const std::string& text,
                redwire::UnixTime published, const std::string& lang, std::vector<std::string> topics) {
  StoredItem s;
  s.first_seen = published + 60;
  s.topics = std::move(topics);
  s.item.source_id = source;
  s.item.id = "https://example.org/" + source + "/" + std::to_string(published);
  s.item.link = s.item.id;
  s.item.title = title;
  s.item.summary = "<p>" + text + "</p>";
  s.item.summary_text = text;
  s.item.published = published;
  s.item.language = lang;
  return s;
}

SourceInfo PageLookup(const std::string& id) {
  if (id == "gone-away") return {id, "", "", ""};  // no longer configured
  return {id, id == "lcparty" ? "الحزب الشيوعي اللبناني" : "Source <" + id + ">", "https://" + id + ".example/feed", ""};
}

}  // namespace

TEST_CASE("RenderFrontPage shows each topic's newest items with badges and subscribe links", "[publish]") {
  const SiteInfo site{"http://news.example.org", {{"cuba-solidarity", "Cuba solidarity"},
                                                  {"labour", "Strikes & <labour>"}}};
  std::vector<FrontTopic> topics = {
      {{"cuba-solidarity", "Cuba solidarity"},
       {Item("lcparty", "التضامن مع كوبا", "نص البيان", 1762160324, "ar", {"cuba-solidarity", "labour"}),
        Item("gone-away", "Solidarity with Cuba", "A <b>bold</b> & \"quoted\" text", 1762160000, "en-GB",
             {"cuba-solidarity", "unconfigured"})}},
      {{"labour", "Strikes & <labour>"}, {}},
  };
  topics[0].items[1].item.date_is_first_seen = true;
  topics[0].items[1].item.link = "javascript:alert(1)";
  const std::vector<IndexSource> sources = {{"lcparty", "الحزب الشيوعي اللبناني", "http://lcparty.org/", false, {}}};
  const std::string html = RenderFrontPage(site, topics, {}, sources, PageLookup, kGenerated);

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") != std::string::npos);
  // The topic's section: its page, its feeds, its items.
  CHECK(html.find("<h2 dir=\"auto\"><a href=\"http://news.example.org/topics/cuba-solidarity.html\">Cuba "
                  "solidarity</a></h2>") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/topics/cuba-solidarity.atom\">Atom</a>") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/topics/cuba-solidarity.json\">JSON Feed</a>") !=
        std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/topics.opml\">OPML</a>") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/sources.opml\">OPML</a>") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/all.json\">JSON Feed</a>") != std::string::npos);
  CHECK(html.find("Strikes &amp; &lt;labour&gt;") != std::string::npos);
  CHECK(html.find("No items yet.") != std::string::npos);  // the empty topic says so
  // An Arabic item: language, direction, source and topic badges.
  CHECK(html.find("<article lang=\"ar\">\n<h3 dir=\"auto\"><a class=\"item\" href=\"https://example.org/lcparty/"
                  "1762160324\">التضامن مع كوبا</a></h3>") != std::string::npos);
  CHECK(html.find("<a class=\"badge source\" href=\"http://news.example.org/sources/lcparty.html\">الحزب الشيوعي "
                  "اللبناني</a><time datetime=\"2025-11-03T08:58:44Z\">2025-11-03 08:58 UTC</time>"
                  "<span class=\"badge lang\">ar</span>") != std::string::npos);
  CHECK(html.find("<a class=\"badge topic\" href=\"http://news.example.org/topics/labour.html\">Strikes &amp; "
                  "&lt;labour&gt;</a>") != std::string::npos);
  // The other: text escaped, no live javascript: link, no page for a source
  // no longer configured, no badge for an unconfigured topic, date flagged.
  CHECK(html.find("A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; text") != std::string::npos);
  CHECK(html.find("javascript:") == std::string::npos);
  CHECK(html.find("<span class=\"badge source\">gone-away</span>") != std::string::npos);
  CHECK(html.find("unconfigured") == std::string::npos);
  CHECK(html.find("<span class=\"flag\" title=\"the source gave no date\">first seen <time") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/sources/lcparty.html\">الحزب الشيوعي اللبناني</a>") !=
        std::string::npos);

  SECTION("with no topics, the newest items of all sources") {
    const std::string plain = RenderFrontPage({site.base_url, {}}, {}, topics[0].items, {}, PageLookup, kGenerated);
    CHECK(plain.find("No topics are configured") != std::string::npos);
    CHECK(plain.find("التضامن مع كوبا") != std::string::npos);
  }
}

TEST_CASE("RenderSearchPage keeps the words in the box and offers the search as a feed", "[publish]") {
  const SiteInfo site{"http://news.example.org", {}};
  const std::vector<StoredItem> found = {Item("kke", "Κούβα", "Αλληλεγγύη", 1762160000, "el", {})};
  const std::string html =
      RenderSearchPage(site, {"κούβα \"<x>\"", "http://news.example.org/search?q=%CE%BA"}, found, PageLookup, kGenerated);
  CHECK(html.find("<title>redwire — Search: κούβα &quot;&lt;x&gt;&quot;</title>") != std::string::npos);
  CHECK(html.find("name=\"q\" value=\"κούβα &quot;&lt;x&gt;&quot;\"") != std::string::npos);
  CHECK(html.find("1 item, newest first.") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/search?q=%CE%BA\">Atom</a>") != std::string::npos);
  CHECK(html.find("<link rel=\"alternate\" type=\"application/atom+xml\"") != std::string::npos);
  CHECK(html.find(">Κούβα</a>") != std::string::npos);

  const std::string none = RenderSearchPage(site, {"x", ""}, {}, PageLookup, kGenerated);
  CHECK(none.find("Nothing matches.") != std::string::npos);
  CHECK(none.find(">Atom</a>") == std::string::npos);
  const std::string problem = RenderSearchPage(site, {"", "", "Type words to search for."}, {}, PageLookup, kGenerated);
  CHECK(problem.find("<p>Type words to search for.</p>") != std::string::npos);
  CHECK(problem.find("newest first") == std::string::npos);
  CHECK(problem.find("Nothing matches") == std::string::npos);
}

TEST_CASE("RenderFeedPage uses the shared layout with paging and subscribe links", "[publish]") {
  const SiteInfo site{"http://news.example.org", {{"cuba-solidarity", "Cuba solidarity"}}};
  FeedInfo feed;
  feed.title = "redwire — Cuba solidarity";
  feed.atom_url = "http://news.example.org/topics/cuba-solidarity/page/2.atom";
  feed.json_url = "http://news.example.org/topics/cuba-solidarity/page/2.json";
  feed.previous_url = "http://news.example.org/topics/cuba-solidarity.html";
  feed.next_url = "http://news.example.org/topics/cuba-solidarity/page/3.html";
  std::string long_text(700, 'x');
  long_text.replace(599, 2, "\xCE\xBA");  // a Greek letter across the 600-byte cut
  const std::vector<StoredItem> items = {Item("pcp", "Cuba", long_text, 1762160000, "pt-PT", {"cuba-solidarity"})};
  const std::string html = RenderFeedPage(site, feed, items, PageLookup);
  CHECK(html.find("<h1 dir=\"auto\">redwire — Cuba solidarity</h1>") != std::string::npos);
  CHECK(html.find("<a href=\"http://news.example.org/topics/cuba-solidarity/page/2.atom\">Atom</a>") !=
        std::string::npos);
  CHECK(html.find("<a rel=\"prev\" href=\"http://news.example.org/topics/cuba-solidarity.html\">← newer</a>") !=
        std::string::npos);
  CHECK(html.find("<a rel=\"next\" href=\"http://news.example.org/topics/cuba-solidarity/page/3.html\">older →</a>") !=
        std::string::npos);
  CHECK(html.find("<nav class=\"topics\" aria-label=\"Topics\">") != std::string::npos);
  CHECK(html.find("<span class=\"badge lang\">pt-PT</span>") != std::string::npos);
  // 600 bytes at most, cut before the two-byte letter rather than inside it.
  CHECK(html.find(std::string(599, 'x') + " …</p>") != std::string::npos);
  CHECK(html.find(std::string(600, 'x')) == std::string::npos);
  CHECK(html.find("\xCE …") == std::string::npos);
}
