// The served feeds, fetched over loopback HTTP from the real server and
// routes, read by independent consumers from Debian: jing with the RFC 4287
// RELAX NG schema, python3-feedparser, and Python's json module for JSON
// Feed 1.1.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <thread>

#include <curl/curl.h>

#include "daemon/serve/routes.h"
#include "daemon/http/server.h"
#include "feeds_fixture.h"

using namespace feeds_test;

namespace {

const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

struct Served {
  std::string body;
  long status = 0;
  std::string headers;
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Served Fetch(const std::string& url, bool head = false, bool gzip = false) {
  REQUIRE(kCurlReady);
  Served s;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &s.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (head) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (gzip) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  REQUIRE(curl_easy_perform(curl) == CURLE_OK);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &s.status);
  curl_easy_cleanup(curl);
  return s;
}

// The daemon's route table on 127.0.0.1, its loop on a thread.
struct Site {
  World world;
  asio::io_context io;
  redwire::fetch::Fetcher fetcher{io, redwire::fetch::Options{}};
  std::unique_ptr<redwire::app::Routes> routes;
  std::unique_ptr<redwire::http::Server> server;
  std::thread loop;

  explicit Site(int feed_entries) : world(feed_entries) {
    server = std::make_unique<redwire::http::Server>(
        io, [this](const redwire::http::Request& r) { return routes->Handle(r); }, redwire::app::RouteLimits());
    REQUIRE(server->Start("127.0.0.1:0").ok());
    routes = std::make_unique<redwire::app::Routes>(*world.store, world.config, base());
    REQUIRE(routes->EnableHub(io, fetcher, (world.dir.path / "redwire.db").string()).ok());
    loop = std::thread([this] { io.run(); });
  }
  ~Site() {
    server->Stop();
    loop.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr
};

Run Command(const std::string& command) {
  Run r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) r.output.append(buf, n);
  const int raw = pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

// Runs a Python 3 script (the system interpreter, where Debian's modules
// live) with one argument.
Run Python(const std::string& script, const std::string& arg) {
  TempDir dir;
  const std::string file = (dir.path / "reader.py").string();
  WriteText(file, script);
  return Command("/usr/bin/python3 " + file + " '" + arg + "'");
}

// jing -c prints warnings about optional jars on stderr; errors name a file.
std::string JingErrors(const std::string& output) {
  std::istringstream in(output);
  std::string errors;
  for (std::string line; std::getline(in, line);) {
    if (line.find("[warning]") == std::string::npos) errors += line + "\n";
  }
  return errors;
}

const std::string kSchema = std::string(REDWIRE_FIXTURES) + "/atom/atom.rnc";

std::vector<std::string> FeedStems() {
  return {"/all", "/topics/cuba-solidarity", "/topics/labour", "/topics/youth",
          "/sources/kke-en", "/sources/pce", "/sources/kne"};
}

}  // namespace

TEST_CASE("jing finds no error in any served Atom feed, page or search", "[readers]") {
  if (Command("command -v jing").status != 0) FAIL("jing is not installed (Debian package jing)");
  Site site(2);  // two entries per page, so every feed has history pages
  TempDir out;
  std::vector<std::string> files;
  for (const auto& stem : FeedStems()) {
    for (int page = 1; page <= 3; ++page) {
      const std::string path = stem + (page > 1 ? "/page/" + std::to_string(page) : "") + ".atom";
      const Served s = Fetch(site.base() + path);
      if (page > 1 && s.status == 404) break;
      REQUIRE(s.status == 200);
      std::string name = path.substr(1);
      std::replace(name.begin(), name.end(), '/', '_');
      const std::string file = (out.path / name).string();
      WriteText(file, s.body);
      files.push_back(file);
    }
  }
  REQUIRE(files.size() == 10);  // all has 3 pages, cuba-solidarity 2, the rest 1
  const Served search = Fetch(site.base() + "/search?q=cuba&topic=cuba-solidarity");
  REQUIRE(search.status == 200);
  files.push_back((out.path / "search.atom").string());
  WriteText(files.back(), search.body);
  std::string command = "jing -c " + kSchema;
  for (const auto& f : files) command += " " + f;
  const Run valid = Command(command);
  INFO(valid.output);
  CHECK(JingErrors(valid.output).empty());
  CHECK(valid.status == 0);

  SECTION("the check can fail: a feed without updated is refused") {
    std::string broken = ReadAll(files.front());
    const std::size_t at = broken.find("<updated>");
    REQUIRE(at != std::string::npos);
    broken.erase(at, broken.find("</updated>", at) + 10 - at);
    const std::string file = (out.path / "broken.atom").string();
    WriteText(file, broken);
    const Run invalid = Command("jing -c " + kSchema + " " + file);
    CHECK(invalid.status != 0);
    CHECK(JingErrors(invalid.output).find("updated") != std::string::npos);
  }
}

TEST_CASE("python3-feedparser reads every feed with the store's counts, titles and ids", "[readers]") {
  if (Command("/usr/bin/python3 -c 'import feedparser'").status != 0) {
    FAIL("python3-feedparser is not installed (Debian package python3-feedparser)");
  }
  Site site(50);
  for (const auto& stem : FeedStems()) {
    INFO(stem);
    // What the store holds for this feed, newest first.
    redwire::store::Query query;
    query.limit = 0;
    if (stem.rfind("/topics/", 0) == 0) query.topic = stem.substr(8);
    if (stem.rfind("/sources/", 0) == 0) query.source = stem.substr(9);
    auto items = site.world.store->Items(query);
    REQUIRE(items.ok());
    std::string expected;
    for (const auto& stored : items.value()) {
      std::string title = stored.item.title;
      title.erase(std::remove(title.begin(), title.end(), '\x01'), title.end());
      expected += stored.item.id + "\t" + title + "\n";
    }
    const std::string script =
        "import sys, feedparser\n"
        "d = feedparser.parse(sys.argv[1])\n"
        "assert d.version == 'atom10', d.version\n"
        "assert not d.bozo, d.get('bozo_exception')\n"
        "assert d.status == 200, d.status\n"
        "for e in d.entries: print(e.id + '\\t' + e.title)\n";
    const Run run = Python(script, site.base() + stem + ".atom");
    INFO(run.output);
    REQUIRE(run.status == 0);
    CHECK(run.output == expected);
  }
}

TEST_CASE("JSON Feed 1.1 output parses and carries the required members", "[readers]") {
  Site site(2);
  const std::string script =
      "import sys, json, urllib.request\n"
      "d = json.load(urllib.request.urlopen(sys.argv[1]))\n"
      "assert d['version'] == 'https://jsonfeed.org/version/1.1'\n"
      "assert isinstance(d['title'], str) and d['feed_url'] == sys.argv[1]\n"
      "assert d['hubs'][0]['type'] == 'WebSub'\n"
      "for i in d['items']:\n"
      "  assert isinstance(i['id'], str) and i['id']\n"
      "  assert 'content_html' in i or 'content_text' in i\n"
      "  assert i['authors'][0]['name']\n"
      "  print(i['id'] + '\\t' + i['title'])\n"
      "print('next', d.get('next_url', '-'))\n";
  const Run run = Python(script, site.base() + "/all.json");
  INFO(run.output);
  REQUIRE(run.status == 0);
  CHECK(run.output == "https://example.org/pce/5\tEncuentro en La Habana\n"
                      "https://example.org/kne/4\tΚΝΕ: Αλληλεγγύη στην Κούβα\n"
                      "next " + site.base() + "/all/page/2.json\n");
}

TEST_CASE("Over the wire: HEAD, gzip and 304 from the real server", "[readers]") {
  Site site(50);
  const Served full = Fetch(site.base() + "/topics/cuba-solidarity.atom");
  REQUIRE(full.status == 200);
  const Served head = Fetch(site.base() + "/topics/cuba-solidarity.atom", true);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers.find("Content-Length: " + std::to_string(full.body.size())) != std::string::npos);
  CHECK(head.headers.find("ETag: ") != std::string::npos);
  const Served gz = Fetch(site.base() + "/topics/cuba-solidarity.atom", false, true);
  CHECK(gz.headers.find("Content-Encoding: gzip") != std::string::npos);
  CHECK(gz.body == full.body);  // curl decoded it
  CHECK(Fetch(site.base() + "/topics/nope.atom").status == 404);
}
