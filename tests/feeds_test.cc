// The published feeds: URL space, formats, paging, HTTP caching, the
// rendered-bytes cache and publish_dir, on a real SQLite store.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <zlib.h>

#include <pugixml.hpp>

#include "daemon/serve/feeds.h"
#include "daemon/http/server.h"
#include "feeds_fixture.h"

using redwire::app::FeedKey;
using redwire::app::Feeds;
using redwire::http::Request;
using redwire::http::Response;
using namespace feeds_test;

namespace {

const std::string kBase = "http://news.example.org";

Request Get(const std::string& path, std::map<std::string, std::string> headers = {}) {
  Request r;
  r.method = "GET";
  r.target = path;
  r.path = path;
  r.headers = std::move(headers);
  return r;
}

Response MustServe(Feeds& feeds, const Request& request) {
  auto response = feeds.Handle(request);
  INFO(request.path);
  REQUIRE(response.has_value());
  return *response;
}

std::string Gunzip(const std::string& data) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out(data.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

std::vector<std::string> AtomTitles(const std::string& body) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  std::vector<std::string> titles;
  for (auto entry : doc.child("feed").children("entry")) titles.push_back(entry.child_value("title"));
  return titles;
}

std::string LinkHref(const std::string& body, const char* rel) {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  return doc.child("feed").find_child_by_attribute("link", "rel", rel).attribute("href").value();
}

}  // namespace

TEST_CASE("FeedKey parses the feed URL space and nothing else") {
  const auto key = FeedKey::Parse("/topics/cuba-solidarity/page/3.json");
  REQUIRE(key);
  CHECK(key->kind == FeedKey::Kind::kTopic);
  CHECK(key->id == "cuba-solidarity");
  CHECK(key->format == FeedKey::Format::kJson);
  CHECK(key->page == 3);
  for (const char* path : {"/all.atom", "/all.json", "/all.html", "/all/page/2.atom", "/topics/x.atom",
                           "/sources/kke-en.html", "/sources/kke-en/page/12.json"}) {
    INFO(path);
    const auto parsed = FeedKey::Parse(path);
    REQUIRE(parsed);
    CHECK(parsed->Path() == path);
  }
  for (const char* path : {"/", "/all", "/all.xml", "/topics/.atom", "/topics/a/b.atom", "/all/page/1.atom",
                           "/all/page/01.atom", "/all/page/x.atom", "/all/page/.atom", "/allx.atom",
                           "/topics/x/page/2/3.atom", "/topics/../x.atom", "/sources.opml",
                           "/all/page/123456.atom", "/topics/x/pages/2.atom"}) {
    INFO(path);
    CHECK_FALSE(FeedKey::Parse(path));
  }
}

TEST_CASE("Every feed exists in Atom, JSON Feed and HTML with the right type") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  for (const std::string stem : {"/all", "/topics/cuba-solidarity", "/topics/labour", "/topics/youth",
                                 "/sources/kke-en", "/sources/pce", "/sources/kne"}) {
    INFO(stem);
    CHECK(MustServe(feeds, Get(stem + ".atom")).content_type == "application/atom+xml; charset=utf-8");
    CHECK(MustServe(feeds, Get(stem + ".json")).content_type == "application/feed+json; charset=utf-8");
    const Response html = MustServe(feeds, Get(stem + ".html"));
    CHECK(html.content_type == "text/html; charset=utf-8");
    CHECK(html.headers.at("Content-Security-Policy").find("default-src 'none'") == 0);
    CHECK(html.body.find("<script") == std::string::npos);
  }
  CHECK(MustServe(feeds, Get("/topics.opml")).content_type == "text/x-opml; charset=utf-8");
  CHECK(MustServe(feeds, Get("/sources.opml")).status == 200);
  SECTION("unknown ids and pages past the end are 404; other paths are not feeds") {
    CHECK(MustServe(feeds, Get("/topics/nope.atom")).status == 404);
    CHECK(MustServe(feeds, Get("/sources/nope.json")).status == 404);
    CHECK(MustServe(feeds, Get("/all/page/2.atom")).status == 404);
    CHECK_FALSE(feeds.Handle(Get("/status.json")));
    CHECK_FALSE(feeds.Handle(Get("/status")));
  }
}

TEST_CASE("Topic feeds hold what the rules, source lists and tags chose, newest first") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  CHECK(AtomTitles(MustServe(feeds, Get("/topics/cuba-solidarity.atom")).body) ==
        std::vector<std::string>{"Encuentro en La Habana", "ΚΝΕ: Αλληλεγγύη στην Κούβα",
                                 "Solidarity with socialist Cuba"});
  CHECK(AtomTitles(MustServe(feeds, Get("/topics/labour.atom")).body) ==
        std::vector<std::string>{"Dockers' strike in Piraeus", "Huelga general el 29 de marzo"});
  CHECK(AtomTitles(MustServe(feeds, Get("/topics/youth.atom")).body) ==
        std::vector<std::string>{"ΚΝΕ: Αλληλεγγύη στην Κούβα"});
  CHECK(AtomTitles(MustServe(feeds, Get("/sources/pce.atom")).body) ==
        std::vector<std::string>{"Encuentro en La Habana", "Huelga general el 29 de marzo"});
  CHECK(AtomTitles(MustServe(feeds, Get("/all.atom")).body).size() == 5);
}

TEST_CASE("Atom feeds advertise self, hub, alternates, entries keep original ids") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  CHECK(LinkHref(MustServe(feeds, Get("/topics/cuba-solidarity.atom")).body, "hub").empty());
  feeds.AdvertiseHub(true);
  const std::string body = MustServe(feeds, Get("/topics/cuba-solidarity.atom")).body;
  CHECK(LinkHref(body, "self") == kBase + "/topics/cuba-solidarity.atom");
  CHECK(LinkHref(body, "hub") == kBase + "/hub");
  CHECK(LinkHref(body, "alternate") == kBase + "/topics/cuba-solidarity.html");
  CHECK(LinkHref(body, "first") == kBase + "/topics/cuba-solidarity.atom");
  CHECK(LinkHref(body, "next").empty());
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));
  CHECK(std::string(doc.child("feed").child("entry").child_value("id")) == "https://example.org/pce/5");
  // The control character in a title never reaches the document.
  CHECK(body.find('\x01') == std::string::npos);
  CHECK(body.find("&#01;") == std::string::npos);
}

TEST_CASE("RFC 5005 paging: first, previous and next links walk the history") {
  World world(2);
  Feeds feeds(*world.store, world.config, kBase);
  const std::string p1 = MustServe(feeds, Get("/all.atom")).body;
  CHECK(AtomTitles(p1) == std::vector<std::string>{"Encuentro en La Habana", "ΚΝΕ: Αλληλεγγύη στην Κούβα"});
  CHECK(LinkHref(p1, "next") == kBase + "/all/page/2.atom");
  CHECK(LinkHref(p1, "previous").empty());
  const std::string p2 = MustServe(feeds, Get("/all/page/2.atom")).body;
  CHECK(AtomTitles(p2) ==
        std::vector<std::string>{"Dockers' strike in Piraeus", "Huelga general el 29 de marzo"});
  CHECK(LinkHref(p2, "self") == kBase + "/all/page/2.atom");
  CHECK(LinkHref(p2, "previous") == kBase + "/all.atom");
  CHECK(LinkHref(p2, "first") == kBase + "/all.atom");
  CHECK(LinkHref(p2, "next") == kBase + "/all/page/3.atom");
  const std::string p3 = MustServe(feeds, Get("/all/page/3.atom")).body;
  CHECK(AtomTitles(p3).size() == 1);
  CHECK(LinkHref(p3, "next").empty());
  CHECK(MustServe(feeds, Get("/all/page/4.atom")).status == 404);
  SECTION("JSON Feed and HTML page the same way") {
    CHECK(MustServe(feeds, Get("/all.json")).body.find("\"next_url\":\"http://news.example.org/all/page/2.json\"") !=
          std::string::npos);
    const std::string html = MustServe(feeds, Get("/all/page/2.html")).body;
    CHECK(html.find("href=\"http://news.example.org/all.html\">← newer") != std::string::npos);
    CHECK(html.find("href=\"http://news.example.org/all/page/3.html\">older →") != std::string::npos);
  }
}

TEST_CASE("HTTP validators: ETag, Last-Modified, 304, gzip, Vary, Cache-Control") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  const Response full = MustServe(feeds, Get("/all.atom"));
  REQUIRE(full.status == 200);
  const std::string etag = full.headers.at("ETag");
  const std::string modified = full.headers.at("Last-Modified");
  CHECK(etag.size() == 18);
  // The newest entry was first seen just now (stored by this test).
  CHECK(modified.size() == 29);
  CHECK(modified.substr(26) == "GMT");
  CHECK(full.headers.at("Cache-Control") == "public, max-age=60");
  CHECK(full.headers.at("Vary") == "Accept-Encoding");
  CHECK(full.headers.count("Content-Encoding") == 0);

  SECTION("If-None-Match") {
    const Response r = MustServe(feeds, Get("/all.atom", {{"if-none-match", etag}}));
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(r.headers.at("ETag") == etag);
    CHECK(r.headers.at("Last-Modified") == modified);
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-none-match", "\"x\", W/" + etag}})).status == 304);
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-none-match", "*"}})).status == 304);
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-none-match", "\"0000000000000000\""}})).status == 200);
    // If-None-Match wins over If-Modified-Since.
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-none-match", "\"x\""}, {"if-modified-since", modified}}))
              .status == 200);
  }
  SECTION("If-Modified-Since") {
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-modified-since", modified}})).status == 304);
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT"}})).status ==
          304);
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-modified-since", "Tue, 05 Mar 2024 12:59:59 GMT"}})).status ==
          200);
    // One second before Last-Modified is too old.
    std::string earlier = modified;
    const int second = std::stoi(modified.substr(23, 2));
    if (second > 0) {
      earlier.replace(23, 2, (second <= 10 ? "0" : "") + std::to_string(second - 1));
      CHECK(MustServe(feeds, Get("/all.atom", {{"if-modified-since", earlier}})).status == 200);
    }
    CHECK(MustServe(feeds, Get("/all.atom", {{"if-modified-since", "yesterday"}})).status == 200);
  }
  SECTION("gzip when accepted, with its own ETag") {
    const Response gz = MustServe(feeds, Get("/all.atom", {{"accept-encoding", "br, gzip;q=0.8"}}));
    CHECK(gz.headers.at("Content-Encoding") == "gzip");
    CHECK(gz.headers.at("ETag") != etag);
    CHECK(gz.body.size() < full.body.size());
    CHECK(Gunzip(gz.body) == full.body);
    CHECK(MustServe(feeds, Get("/all.atom", {{"accept-encoding", "gzip;q=0"}})).headers.count("Content-Encoding") ==
          0);
    CHECK(MustServe(feeds, Get("/all.atom", {{"accept-encoding", "identity"}})).body == full.body);
    CHECK(MustServe(feeds, Get("/all.atom", {{"accept-encoding", "gzip"}, {"if-none-match", gz.headers.at("ETag")}}))
              .status == 304);
  }
}

TEST_CASE("A search is a feed: validators, 304, gzip, cached until the store changes") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  auto search = [&](const std::string& query, std::map<std::string, std::string> headers = {}) {
    Request r = Get("/search", std::move(headers));
    r.target = "/search?" + query;
    r.query = query;
    return MustServe(feeds, r);
  };
  const Response full = search("q=cuba");
  REQUIRE(full.status == 200);
  CHECK(full.content_type == "application/atom+xml; charset=utf-8");
  CHECK(AtomTitles(full.body) == std::vector<std::string>{"Solidarity with socialist Cuba"});
  CHECK(LinkHref(full.body, "self") == kBase + "/search?q=cuba");
  const std::string etag = full.headers.at("ETag");
  CHECK(full.headers.at("Last-Modified").substr(26) == "GMT");
  CHECK(full.headers.at("Cache-Control") == "public, max-age=60");
  CHECK(full.headers.at("Vary") == "Accept-Encoding");

  CHECK(search("q=cuba", {{"if-none-match", etag}}).status == 304);
  CHECK(search("q=cuba", {{"if-modified-since", full.headers.at("Last-Modified")}}).status == 304);
  const Response gz = search("q=cuba", {{"accept-encoding", "gzip"}});
  CHECK(gz.headers.at("Content-Encoding") == "gzip");
  CHECK(Gunzip(gz.body) == full.body);

  // Served from memory until the store changes; parameters in any order are
  // one search.
  const auto renders = feeds.renders();
  for (int i = 0; i < 20; ++i) search("q=cuba");
  CHECK(feeds.renders() == renders);
  CHECK(search("topic=cuba-solidarity&q=cuba").body != full.body);
  CHECK(feeds.renders() == renders + 1);
  CHECK(search("q=cuba&topic=cuba-solidarity").headers.at("ETag") ==
        search("topic=cuba-solidarity&q=cuba").headers.at("ETag"));
  CHECK(feeds.renders() == renders + 1);

  world.Add({MakeItem("pce", 7, "Cuba resiste al bloqueo", "Solidaridad con Cuba.", 1709800000, "es")});
  const Response after = search("q=cuba", {{"if-none-match", etag}});
  CHECK(after.status == 200);
  CHECK(after.headers.at("ETag") != etag);
  CHECK(AtomTitles(after.body).front() == "Cuba resiste al bloqueo");

  SECTION("a search with nothing to look for is the reader's mistake") {
    const Response bad = search("q=-nato");
    CHECK(bad.status == 400);
    CHECK(!bad.body.empty());
    CHECK(search("q=").status == 400);
    CHECK(search("q=50%").status == 400);  // a malformed escape
  }
}

TEST_CASE("Bodies are rendered once per change, and only for the feeds a change touches") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  const std::string before = MustServe(feeds, Get("/topics/labour.atom")).body;
  const std::string cuba_before = MustServe(feeds, Get("/topics/cuba-solidarity.atom")).headers.at("ETag");
  MustServe(feeds, Get("/sources/kne.atom"));
  const auto renders = feeds.renders();
  for (int i = 0; i < 50; ++i) MustServe(feeds, Get("/topics/labour.atom"));
  CHECK(feeds.renders() == renders);

  // A new PCE strike item: labour, pce and all change; cuba and kne do not.
  world.Add({MakeItem("pce", 6, "Nueva huelga del metal", "Los trabajadores del metal en huelga.", 1709700000, "es")});
  const std::string after = MustServe(feeds, Get("/topics/labour.atom")).body;
  CHECK(after != before);
  CHECK(AtomTitles(after).front() == "Nueva huelga del metal");
  CHECK(feeds.renders() == renders + 1);
  CHECK(MustServe(feeds, Get("/topics/cuba-solidarity.atom")).headers.at("ETag") == cuba_before);
  MustServe(feeds, Get("/sources/kne.atom"));
  CHECK(feeds.renders() == renders + 1);

  SECTION("an edited item changes its entry's updated time and the feed") {
    auto item = MakeItem("pce", 6, "Nueva huelga del metal: 48 horas", "Ahora son 48 horas.", 1709700000, "es");
    const auto stats = world.Add({item});
    CHECK(stats.updated == 1);
    const std::string edited = MustServe(feeds, Get("/topics/labour.atom")).body;
    CHECK(AtomTitles(edited).front() == "Nueva huelga del metal: 48 horas");
    pugi::xml_document doc;
    REQUIRE(doc.load_string(edited.c_str()));
    const std::string updated = doc.child("feed").child("entry").child_value("updated");
    CHECK(updated > std::string("2024-03-06"));
    CHECK(std::string(doc.child("feed").child("entry").child_value("id")) == "https://example.org/pce/6");
  }
}

TEST_CASE("OPML lists every topic feed and every source") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  pugi::xml_document topics;
  REQUIRE(topics.load_string(MustServe(feeds, Get("/topics.opml")).body.c_str()));
  std::vector<std::string> urls;
  for (auto o : topics.child("opml").child("body").children("outline")) urls.push_back(o.attribute("xmlUrl").value());
  CHECK(urls == std::vector<std::string>{kBase + "/topics/cuba-solidarity.atom", kBase + "/topics/labour.atom",
                                         kBase + "/topics/youth.atom"});
  CHECK(std::string(topics.child("opml").child("body").find_child_by_attribute("outline", "xmlUrl",
                                                                                 (kBase + "/topics/labour.atom").c_str())
                        .attribute("title")
                        .value()) == "Strikes & labour <struggles>");
  pugi::xml_document sources;
  REQUIRE(sources.load_string(MustServe(feeds, Get("/sources.opml")).body.c_str()));
  auto kke = sources.child("opml").child("body").first_child();
  CHECK(std::string(kke.attribute("text").value()) == "Communist Party of Greece (KKE)");
  CHECK(std::string(kke.attribute("xmlUrl").value()) == kBase + "/sources/kke-en.atom");
  CHECK(std::string(kke.attribute("category").value()) == "/party,/europe");
  CHECK(std::string(sources.child("opml").attribute("version").value()) == "2.0");
}

TEST_CASE("publish_dir: every feed written atomically, rewritten only when it changes") {
  TempDir out;
  World world(50, "publish_dir = \"" + (out.path / "www").string() + "\"");
  Feeds feeds(*world.store, world.config, kBase);
  const fs::path www = out.path / "www";
  for (const char* file : {"all.atom", "all.json", "all.html", "topics/labour.atom", "topics/youth.json",
                           "sources/kne.html", "topics.opml", "sources.opml"}) {
    INFO(file);
    CHECK(fs::is_regular_file(www / file));
  }
  CHECK(ReadAll(www / "topics/labour.atom") == *feeds.Body("/topics/labour.atom"));
  CHECK_FALSE(fs::exists(www / "all/page/2.atom"));
  for (const auto& entry : fs::recursive_directory_iterator(www)) {
    CHECK(entry.path().extension() != ".tmp");
  }
  struct stat cuba_before {};
  REQUIRE(stat((www / "topics/cuba-solidarity.atom").c_str(), &cuba_before) == 0);
  const std::string labour_before = ReadAll(www / "topics/labour.atom");

  world.Add({MakeItem("pce", 7, "Huelga en el puerto de Valencia", "Estibadores en huelga.", 1709800000, "es")});
  CHECK(ReadAll(www / "topics/labour.atom") != labour_before);
  CHECK(AtomTitles(ReadAll(www / "topics/labour.atom")).front() == "Huelga en el puerto de Valencia");
  CHECK(ReadAll(www / "all.json").find("Huelga en el puerto de Valencia") != std::string::npos);
  struct stat cuba_after {};
  REQUIRE(stat((www / "topics/cuba-solidarity.atom").c_str(), &cuba_after) == 0);
  CHECK(cuba_after.st_ino == cuba_before.st_ino);
  CHECK(cuba_after.st_mtim.tv_nsec == cuba_before.st_mtim.tv_nsec);

  SECTION("WriteAll leaves identical files alone") {
    struct stat all_before {};
    REQUIRE(stat((www / "all.atom").c_str(), &all_before) == 0);
    auto written = feeds.WriteAll();
    REQUIRE(written.ok());
    CHECK(written.value() > 20);
    struct stat all_after {};
    REQUIRE(stat((www / "all.atom").c_str(), &all_after) == 0);
    CHECK(all_after.st_ino == all_before.st_ino);
  }
}

TEST_CASE("The change observer hears the self URLs a change touched") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  std::vector<std::string> heard;
  feeds.Observe([&](const std::vector<std::string>& urls) { heard.insert(heard.end(), urls.begin(), urls.end()); });
  world.Add({MakeItem("kne", 8, "KNE festival", "Youth festival in Athens.", 1709900000, "en")});
  CHECK(heard == std::vector<std::string>{kBase + "/all.atom", kBase + "/all.json", kBase + "/sources/kne.atom",
                                          kBase + "/sources/kne.json", kBase + "/topics/youth.atom",
                                          kBase + "/topics/youth.json"});
}

TEST_CASE("The front page shows each topic's newest items and is served like a feed") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  const Response front = MustServe(feeds, Get("/"));
  REQUIRE(front.status == 200);
  CHECK(front.content_type == "text/html; charset=utf-8");
  CHECK(front.headers.at("Content-Security-Policy").find("default-src 'none'") == 0);
  const std::string& html = front.body;
  // Each topic: a section with its page and feeds, its items newest first.
  const std::size_t cuba = html.find("<section class=\"topic\">\n<h2 dir=\"auto\"><a href=\"" + kBase +
                                     "/topics/cuba-solidarity.html\">Cuba solidarity</a></h2>");
  const std::size_t labour = html.find("/topics/labour.html\">Strikes &amp; labour &lt;struggles&gt;</a></h2>");
  const std::size_t youth = html.find("/topics/youth.html\">Youth</a></h2>");
  REQUIRE(cuba != std::string::npos);
  REQUIRE(labour != std::string::npos);
  REQUIRE(youth != std::string::npos);
  const std::string cuba_part = html.substr(cuba, labour - cuba);
  CHECK(cuba_part.find(kBase + "/topics/cuba-solidarity.atom\">Atom</a>") != std::string::npos);
  CHECK(cuba_part.find(kBase + "/topics/cuba-solidarity.json\">JSON Feed</a>") != std::string::npos);
  const std::size_t habana = cuba_part.find("Encuentro en La Habana");
  const std::size_t greek = cuba_part.find("ΚΝΕ: Αλληλεγγύη στην Κούβα");
  const std::size_t kke = cuba_part.find("Solidarity with socialist Cuba");
  CHECK(habana < greek);
  CHECK(greek < kke);
  CHECK(kke != std::string::npos);
  CHECK(cuba_part.find("Huelga") == std::string::npos);
  CHECK(html.substr(labour, youth - labour).find("Huelga general el 29 de marzo") != std::string::npos);
  // Badges: source page, language, topics.
  CHECK(cuba_part.find("<a class=\"badge source\" href=\"" + kBase + "/sources/kne.html\">Communist Youth of Greece "
                       "(KNE)</a>") != std::string::npos);
  CHECK(cuba_part.find("<span class=\"badge lang\">el</span>") != std::string::npos);
  CHECK(cuba_part.find("<a class=\"badge topic\" href=\"" + kBase + "/topics/youth.html\">Youth</a>") !=
        std::string::npos);
  // The lists and the sources.
  CHECK(html.find(kBase + "/topics.opml\">OPML</a>") != std::string::npos);
  CHECK(html.find(kBase + "/sources.opml\">OPML</a>") != std::string::npos);
  CHECK(html.find("<a href=\"" + kBase + "/sources/pce.html\">Partido Comunista de España</a>") != std::string::npos);
  CHECK(html.find("action=\"" + kBase + "/search.html\"") != std::string::npos);

  SECTION("validators, 304 and gzip; rendered again only after the store changes") {
    const std::string etag = front.headers.at("ETag");
    CHECK(MustServe(feeds, Get("/", {{"if-none-match", etag}})).status == 304);
    const Response gz = MustServe(feeds, Get("/", {{"accept-encoding", "gzip"}}));
    CHECK(Gunzip(gz.body) == html);
    const auto renders = feeds.renders();
    for (int i = 0; i < 10; ++i) MustServe(feeds, Get("/"));
    CHECK(feeds.renders() == renders);
    world.Add({MakeItem("pce", 8, "Brigada de solidaridad con Cuba", "Brigadistas en Cuba.", 1709900000, "es")});
    const Response after = MustServe(feeds, Get("/", {{"if-none-match", etag}}));
    CHECK(after.status == 200);
    CHECK(after.body.find("Brigada de solidaridad con Cuba") < after.body.find("Encuentro en La Habana"));
  }
  SECTION("at most five items a topic") {
    std::vector<redwire::Item> more;
    for (int i = 0; i < 8; ++i) {
      more.push_back(MakeItem("kke-en", 100 + i, "Cuba item " + std::to_string(i), "Cuba.", 1710000000 + i, "en"));
    }
    world.Add(more);
    const std::string again = MustServe(feeds, Get("/")).body;
    const std::size_t c = again.find("/topics/cuba-solidarity.html\">Cuba solidarity</a></h2>");
    const std::string part = again.substr(c, again.find("<section", c) - c);
    int articles = 0;
    for (std::size_t at = part.find("<article"); at != std::string::npos; at = part.find("<article", at + 1)) ++articles;
    CHECK(articles == 5);
    CHECK(part.find("Cuba item 7") != std::string::npos);
    CHECK(part.find("Cuba item 2") == std::string::npos);
    CHECK(part.find("More in Cuba solidarity →") != std::string::npos);
  }
}

TEST_CASE("A search as HTML: the words in the box, the results, the same search as a feed") {
  World world;
  Feeds feeds(*world.store, world.config, kBase);
  auto search = [&](const std::string& path, const std::string& query,
                    std::map<std::string, std::string> headers = {}) {
    Request r = Get(path, std::move(headers));
    r.target = path + "?" + query;
    r.query = query;
    return MustServe(feeds, r);
  };
  const Response page = search("/search.html", "q=%CE%BA%CE%BF%CF%8D%CE%B2%CE%B1");  // κούβα
  REQUIRE(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.headers.at("Content-Security-Policy").find("default-src 'none'") == 0);
  CHECK(page.body.find("name=\"q\" value=\"κούβα\"") != std::string::npos);
  CHECK(page.body.find("ΚΝΕ: Αλληλεγγύη στην Κούβα") != std::string::npos);
  CHECK(page.body.find("Solidarity with socialist Cuba") == std::string::npos);
  CHECK(page.body.find("1 item, newest first.") != std::string::npos);
  CHECK(page.body.find("<a href=\"" + kBase + "/search?q=%CE%BA%CE%BF%CF%8D%CE%B2%CE%B1\">Atom</a>") !=
        std::string::npos);

  // Raw UTF-8 in the query (as newsboat sends it) is the same search.
  const Response raw = search("/search.html", "q=κούβα");
  CHECK(raw.body == page.body);
  CHECK(raw.headers.at("ETag") == page.headers.at("ETag"));
  const Response raw_atom = search("/search", "q=κούβα");
  const Response encoded_atom = search("/search", "q=%CE%BA%CE%BF%CF%8D%CE%B2%CE%B1");
  CHECK(raw_atom.body == encoded_atom.body);
  CHECK(AtomTitles(raw_atom.body) == std::vector<std::string>{"ΚΝΕ: Αλληλεγγύη στην Κούβα"});
  CHECK(LinkHref(raw_atom.body, "alternate") == kBase + "/search.html?q=%CE%BA%CE%BF%CF%8D%CE%B2%CE%B1");

  // Cached like the Atom search, until the store changes.
  CHECK(search("/search.html", "q=κούβα", {{"if-none-match", page.headers.at("ETag")}}).status == 304);
  const auto renders = feeds.renders();
  search("/search.html", "q=κούβα");
  CHECK(feeds.renders() == renders);

  SECTION("an empty box asks for words; a search of nothing is explained") {
    const Response empty = search("/search.html", "q=");
    CHECK(empty.status == 200);
    CHECK(empty.body.find("Type words to search for") != std::string::npos);
    CHECK(search("/search.html", "").status == 200);
    const Response bad = search("/search.html", "q=-nato");
    CHECK(bad.status == 400);
    CHECK(bad.content_type == "text/html; charset=utf-8");
    CHECK(bad.body.find("This search cannot be run: ") != std::string::npos);
    CHECK(search("/search.html", "q=-nato").status == 400);  // not kept as a page
    CHECK(search("/search.html", "q=50%").status == 400);    // a malformed escape
  }
}
